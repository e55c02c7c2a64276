using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's ChannelsLast (order -1, before callbacks that change the model): trains in PyTorch's channels_last memory
/// format. before_fit lays out the model's 4-D parameters and buffers as NHWC in memory (fastai's
/// <c>model.to(memory_format=torch.channels_last)</c>; TorchSharp 0.107 has no memory_format argument, so each tensor is
/// permuted to NHWC, made contiguous and permuted back, which gives the same strides); before_batch does the same to
/// 4-D inputs. Either makes libtorch's convolutions take the channels-last path; converting the inputs as well keeps
/// them on it when the weights are contiguous again (see remarks).
/// </summary>
/// <remarks>
/// after_fit lays the tensors it converted back out contiguously (fastai leaves them channels-last): TorchSharp's
/// <c>Module.save</c> refuses non-contiguous tensors, so the model leaves the fit in the layout it came in. Gen's
/// checkpoints write any layout.
/// A Gen optimizer lays a param group's parameters out in one contiguous flat buffer at its first step, so
/// from then on their weights are contiguous views; a parameter already in such a buffer (a second fit) is left as it
/// is, since giving it storage of its own would detach it from the optimizer (<see cref="SharedLeftAsIs"/> counts them).
/// </remarks>
[Order(-1)]
public sealed partial class ChannelsLast : Callback
{
    /// <summary>How many 4-D parameters or buffers the last before_fit converted.</summary>
    public int Converted { get; private set; }

    /// <summary>How many 4-D parameters the last before_fit left as they were because they are views of a shared buffer.</summary>
    public int SharedLeftAsIs { get; private set; }

    private readonly List<Tensor> _converted = [];

    [Event]
    void BeforeFit(Learner learn)
    {
        (Converted, SharedLeftAsIs) = (0, 0);
        _converted.Clear();
        using var _ = no_grad();
        foreach (var tensor in learn.Model.parameters().Concat<Tensor>(learn.Model.buffers()))
        {
            if (tensor.dim() != 4 || IsChannelsLast(tensor)) continue;
            if (SharesStorage(tensor)) { SharedLeftAsIs++; continue; }
            using var nhwc = ToChannelsLast(tensor);
            tensor.set_(nhwc);   // the same Parameter object: the optimizer and the model keep pointing at it
            _converted.Add(tensor);
            Converted++;
        }
    }

    [Event]
    void AfterFit(Learner learn)
    {
        using var _ = no_grad();
        foreach (var tensor in _converted.Where(t => !t.is_contiguous()))   // a Gen optimizer's flat views already are
        {
            using var contiguous = tensor.contiguous();
            tensor.set_(contiguous);
        }
        _converted.Clear();
    }

    [Event]
    void BeforeBatch(Learner learn)
    {
        var xs = learn.Xbs;
        if (!xs.Any(x => x.dim() == 4 && !IsChannelsLast(x))) return;
        learn.Xbs = xs.Select(x => x.dim() == 4 && !IsChannelsLast(x) ? ToChannelsLast(x) : x).ToArray();
    }

    /// <summary>
    /// Whether a 4-D tensor (N, C, H, W) is laid out as NHWC in memory (torch's channels_last: strides H*W*C, 1, W*C, C),
    /// ignoring dimensions of size 1, whose stride does not matter, as PyTorch does.
    /// </summary>
    public static bool IsChannelsLast(Tensor t)
    {
        if (t.dim() != 4) return false;
        var (size, stride) = (t.shape, t.stride());
        long[] expected = [size[1] * size[2] * size[3], 1, size[3] * size[1], size[1]];
        for (int d = 0; d < 4; d++)
            if (size[d] != 1 && stride[d] != expected[d]) return false;
        return true;
    }

    /// <summary>A channels_last copy of a 4-D tensor (torch's <c>t.contiguous(memory_format=torch.channels_last)</c>).</summary>
    public static Tensor ToChannelsLast(Tensor t)
    {
        if (t.dim() != 4)
            throw new ArgumentException($"channels_last is a layout of 4-D (N, C, H, W) tensors; this one has {t.dim()} dimensions.", nameof(t));
        using var nhwc = t.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }

    // A view into a larger buffer (a Gen optimizer's flat group) does not own its storage.
    private static bool SharesStorage(Tensor t)
    {
        if (t.storage_offset() != 0) return true;
        long own = t.numel() * t.element_size();
        long? storage = t.dtype switch
        {
            ScalarType.Float32 => StorageBytes<float>(t),
            ScalarType.Float64 => StorageBytes<double>(t),
            ScalarType.Float16 => StorageBytes<Half>(t),
            _ => null,   // no .NET element type to ask with: only the offset tells
        };
        return storage is long bytes && bytes != own;
    }

    private static long StorageBytes<T>(Tensor t) where T : unmanaged
    {
        using var storage = t.storage<T>();
        return (long)storage.nbytes();
    }
}
