using System;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's MixUp (Zhang et al., https://arxiv.org/abs/1710.09412): every training input becomes
/// lerp(x_shuffled, x, lambda) with one lambda per sample, drawn from Beta(alpha, alpha) and taken as
/// max(lambda, 1 - lambda) so each sample stays mostly itself; targets or losses are mixed as <see cref="MixHandler"/> says.
/// </summary>
public sealed partial class MixUp : MixHandler
{
    /// <param name="alpha">fastai's alpha (default 0.4).</param>
    /// <param name="perSampleLoss">loss(pred, target) per sample for integer targets; default cross-entropy with reduction none.</param>
    public MixUp(double alpha = 0.4, Func<Tensor, Tensor, Tensor>? perSampleLoss = null) : base(alpha, perSampleLoss) { }

    [Event] void BeforeTrain(Learner learn) => InstallLoss(learn);
    [Event] void BeforeBatch(Learner learn) => MixBatch(learn);
    [Event] void AfterTrain(Learner learn) => RestoreLoss(learn);
    [Event] void AfterCancelTrain(Learner learn) => RestoreLoss(learn);
    [Event] void AfterCancelFit(Learner learn) => RestoreLoss(learn);

    /// <inheritdoc/>
    protected override void MixInputs(Learner learn)
    {
        long bs = learn.Yb!.shape[0];
        var device = learn.Xb!.device;
        var lam = SampleLam(bs, device);
        Lam = maximum(lam, 1 - lam);
        Shuffle = randperm(bs).to(device);
        ShuffledYbs = learn.Ybs.Select(y => y.index_select(0, Shuffle)).ToArray();
        learn.Xbs = learn.Xbs.Select(x => lerp(x.index_select(0, Shuffle), x, Weight(Lam, x))).ToArray();
    }
}
