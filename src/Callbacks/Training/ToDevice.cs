using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// The 2022 course's DeviceCB: before every batch, moves its inputs and targets that are elsewhere to
/// <paramref name="device"/> (default: the Learner's). A Learner already brings the batches of its own loaders to its
/// device (on the loader's worker, from page-locked memory to a GPU); this is for batches a callback or a derived
/// Learner puts together itself. Runs after the callbacks that make batches in before_batch (order 5).
/// </summary>
[Order(5)]
public sealed partial class ToDevice(Device? device = null) : Callback
{
    [Event]
    void BeforeBatch(Learner learn)
    {
        var target = device ?? learn.Device;
        if (learn.Xbs.Any(t => Elsewhere(t, target))) learn.Xbs = learn.Xbs.Select(t => t.to(target, non_blocking: true)).ToArray();
        if (learn.Ybs.Any(t => Elsewhere(t, target))) learn.Ybs = learn.Ybs.Select(t => t.to(target, non_blocking: true)).ToArray();
    }

    private static bool Elsewhere(Tensor t, Device target) => t.device_type != target.type || (target.index >= 0 && t.device_index != target.index);
}
