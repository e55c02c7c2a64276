using System;
using System.Collections.Generic;
using Gen;
using static TorchSharp.torch;

namespace CourseLearner;

/// <summary>
/// The 2022 course's MomentumLearner: after each step the gradients are multiplied by <see cref="Mom"/> instead of
/// zeroed, so the next backward adds to them and plain SGD follows a momentum of the gradients.
/// </summary>
public class MomentumLearner(nn.Module model, DataLoaders dls, Func<Tensor, Tensor, Tensor> lossFunc, double lr, double mom = 0.85,
                             IEnumerable<Callback>? cbs = null)
    : Learner(model, dls, lossFunc, optFunc: Optimizers.Sgd(), lr: lr, cbs: cbs)
{
    public double Mom { get; } = mom;

    public override void ZeroGrad()
    {
        using var _ = no_grad();
        foreach (var p in Model.parameters()) p.grad?.mul_(Mom);
    }
}
