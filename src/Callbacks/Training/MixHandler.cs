using System;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's MixHandler, the shared part of <see cref="MixUp"/> and <see cref="CutMix"/> (training batches only): draws
/// lambda from Beta(alpha, alpha) and a permutation of the batch with torch's global generator (so
/// <c>torch.manual_seed</c> makes a fit reproducible), and mixes the targets or the loss. With integer targets (class
/// indices, fastai's <c>y_int</c> losses) the training loss becomes, per sample,
/// lerp(loss(pred, y_shuffled), loss(pred, y), lambda), then its mean; with float targets the targets are lerped and the
/// Learner's own loss applies. Validation uses the Learner's loss unchanged.
/// </summary>
/// <remarks>
/// Gen's loss functions return a scalar and cannot be asked for fastai's <c>reduction='none'</c>, so the per-sample
/// loss is its own function, <see cref="PerSampleLoss"/>: cross-entropy with reduction none unless given (for integer
/// targets it replaces the Learner's loss during training; pass your loss without reduction if it is not
/// cross-entropy). The handlers live in <see cref="MixUp"/> and <see cref="CutMix"/>: a callback's base class cannot
/// have handlers of its own (GEN0010).
/// </remarks>
public abstract class MixHandler : Callback
{
    private Func<Tensor, Tensor, Tensor>? _learnersLoss;
    private Func<Tensor, Tensor, Tensor>? _mixedLoss;

    /// <param name="alpha">The Beta distribution's parameters (both alpha), in (0, inf).</param>
    /// <param name="perSampleLoss">loss(pred, target) with one value per sample; default cross-entropy with reduction none.</param>
    protected MixHandler(double alpha, Func<Tensor, Tensor, Tensor>? perSampleLoss)
    {
        if (!(alpha > 0) || double.IsInfinity(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"{GetType().Name}'s alpha parameterizes Beta(alpha, alpha) and must be a positive finite number (fastai: 0.4 for MixUp, 1.0 for CutMix).");
        Alpha = alpha;
        PerSampleLoss = perSampleLoss ?? ((pred, y) => nn.functional.cross_entropy(pred, y, reduction: nn.Reduction.None));
    }

    /// <summary>The Beta distribution's alpha.</summary>
    public double Alpha { get; }

    /// <summary>loss(pred, target) per sample, mixed for integer targets.</summary>
    public Func<Tensor, Tensor, Tensor> PerSampleLoss { get; }

    /// <summary>This training batch's lambda: one per sample (MixUp) or one for the batch (CutMix). Valid during the batch.</summary>
    public Tensor? Lam { get; protected set; }

    /// <summary>This training batch's permutation: sample i is mixed with sample Shuffle[i]. Valid during the batch.</summary>
    public Tensor? Shuffle { get; protected set; }

    /// <summary>The targets in <see cref="Shuffle"/>'s order (fastai's <c>yb1</c>). Valid during the batch.</summary>
    public Tensor[] ShuffledYbs { get; protected set; } = [];

    /// <summary>Whether this batch's targets are class indices, whose losses are mixed (fastai's <c>stack_y</c>).</summary>
    public bool StackY { get; private set; }

    /// <summary>fastai's before_train: the Learner's loss becomes the mixing one.</summary>
    protected void InstallLoss(Learner learn)
    {
        if (_mixedLoss is not null && ReferenceEquals(learn.LossFunc, _mixedLoss)) return;
        _learnersLoss = learn.LossFunc;
        learn.LossFunc = _mixedLoss = MixedLoss;
    }

    /// <summary>fastai's after_train (also after a cancelled phase or fit): the Learner's own loss is back.</summary>
    protected void RestoreLoss(Learner learn)
    {
        if (_mixedLoss is not null && ReferenceEquals(learn.LossFunc, _mixedLoss)) learn.LossFunc = _learnersLoss!;
        (_mixedLoss, _learnersLoss) = (null, null);
    }

    /// <summary>fastai's before_batch on a training batch: <see cref="MixInputs"/>, then the targets when they are not class indices.</summary>
    protected void MixBatch(Learner learn)
    {
        if (!learn.Training || learn.Yb is not { } y) return;
        if (learn.Xbs.FirstOrDefault(x => !x.is_floating_point()) is { } integral)
            throw new InvalidOperationException($"{GetType().Name} mixes the inputs, but one is of type {integral.dtype}; mixing needs floating-point inputs (images, numbers), not indices.");
        StackY = !y.is_floating_point();
        MixInputs(learn);
        if (StackY) return;
        learn.Ybs = learn.Ybs.Select((target, i) => i < ShuffledYbs.Length ? lerp(ShuffledYbs[i], target, Weight(Lam!, target)) : target).ToArray();
    }

    /// <summary>Draws <see cref="Lam"/> and <see cref="Shuffle"/>, replaces the inputs with the mixed ones and sets <see cref="ShuffledYbs"/>.</summary>
    protected abstract void MixInputs(Learner learn);

    /// <summary><paramref name="n"/> draws from Beta(alpha, alpha), with torch's global generator.</summary>
    protected Tensor SampleLam(long n, Device device)
    {
        using var concentration = tensor(Alpha, float32);
        var beta = distributions.Beta(concentration, concentration);
        return beta.sample(n).to(device);
    }

    /// <summary><paramref name="lam"/> (one value, or one per sample) shaped to broadcast over <paramref name="like"/>'s dimensions, in its dtype.</summary>
    protected static Tensor Weight(Tensor lam, Tensor like) =>
        lam.reshape([lam.numel(), .. Enumerable.Repeat(1L, (int)Math.Max(like.dim() - 1, 0))]).to(like.dtype);

    // fastai's lf: the per-sample losses of both targets, lerped by lambda, then their mean.
    private Tensor MixedLoss(Tensor pred, Tensor y)
    {
        if (!Learn!.Training || !StackY) return _learnersLoss!(pred, y);
        var shuffled = PerSample(pred, ShuffledYbs[0]);
        var own = PerSample(pred, y);
        return lerp(shuffled, own, Weight(Lam!, own)).mean();
    }

    private Tensor PerSample(Tensor pred, Tensor y)
    {
        var loss = PerSampleLoss(pred, y);
        if (loss.dim() != 1 || loss.shape[0] != y.shape[0])
            throw new InvalidOperationException(
                $"{GetType().Name}'s perSampleLoss returned shape [{string.Join(", ", loss.shape)}] for {y.shape[0]} samples; it must return one loss per sample (reduction none), e.g. (p, t) => nn.functional.cross_entropy(p, t, reduction: nn.Reduction.None).");
        return loss;
    }
}
