using System;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// A loss that knows, as fastai's loss classes do, the activation that turns the model's output into predictions
/// (softmax for cross-entropy, sigmoid for binary cross-entropy) and how to decode them (argmax, a threshold). Give
/// one to a Learner as its loss function (it converts to one); <see cref="Learner.GetPreds"/> and
/// <see cref="Learner.Predict(Tensor)"/> use them. A plain delegate loss has neither (fastai's noop).
/// </summary>
public sealed class LossFunction
{
    private readonly Func<Tensor, Tensor, string, Tensor> _loss;

    /// <param name="name">Shown in errors.</param>
    /// <param name="loss">loss(pred, target, reduction) with torch's reductions "mean" and "none".</param>
    /// <param name="activation">Model output to predictions (fastai's activation); null: unchanged.</param>
    /// <param name="decodes">Predictions to decoded values (fastai's decodes); null: unchanged.</param>
    public LossFunction(string name, Func<Tensor, Tensor, string, Tensor> loss, Func<Tensor, Tensor>? activation = null, Func<Tensor, Tensor>? decodes = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Activation = activation ?? (static x => x);
        Decodes = decodes ?? (static x => x);
    }

    /// <summary>The loss's name, e.g. <c>CrossEntropyLossFlat</c>; shown in errors.</summary>
    public string Name { get; }

    /// <summary>fastai's activation: the model's output to predictions (unchanged when none was given).</summary>
    public Func<Tensor, Tensor> Activation { get; }

    /// <summary>fastai's decodes: predictions to decoded values (unchanged when none was given).</summary>
    public Func<Tensor, Tensor> Decodes { get; }

    /// <summary>The mean loss over the batch (what training back-propagates).</summary>
    public Tensor Invoke(Tensor pred, Tensor target) => _loss(pred, target, "mean");

    /// <summary>One loss per sample (fastai's reduction='none'), for <see cref="Learner.GetPreds"/> with losses.</summary>
    public Tensor PerSample(Tensor pred, Tensor target) => _loss(pred, target, "none");

    /// <summary>The loss as the Learner's delegate; the delegate's target stays this object, where the Learner finds the activation.</summary>
    public static implicit operator Func<Tensor, Tensor, Tensor>(LossFunction loss) => loss.Invoke;

    /// <summary>The loss behind <paramref name="lossFunc"/> when it was made from a <see cref="LossFunction"/>, else null.</summary>
    public static LossFunction? Of(Func<Tensor, Tensor, Tensor> lossFunc) => lossFunc.Target as LossFunction;

    /// <summary>The loss's <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}

/// <summary>fastai's flattened losses with their activations and decodes.</summary>
public static class Losses
{
    /// <summary>fastai's CrossEntropyLossFlat: class scores against integer targets over <paramref name="axis"/>; softmax; argmax.</summary>
    public static LossFunction CrossEntropyFlat(int axis = -1) => new("CrossEntropyLossFlat",
        (pred, target, reduction) => nn.functional.cross_entropy(Flat(pred, axis), target.flatten(), reduction: Reduction(reduction)),
        activation: x => x.softmax(axis), decodes: x => x.argmax(axis));

    /// <summary>fastai's BCEWithLogitsLossFlat: multi-label logits against 0/1 targets; sigmoid; a threshold (default 0.5).</summary>
    public static LossFunction BceWithLogitsFlat(double threshold = 0.5) => new("BCEWithLogitsLossFlat",
        (pred, target, reduction) => nn.functional.binary_cross_entropy_with_logits(pred, target.to(pred.dtype), reduction: Reduction(reduction)),
        activation: x => x.sigmoid(), decodes: x => x > threshold);

    /// <summary>fastai's MSELossFlat: squared error, predictions as they are.</summary>
    public static LossFunction MseFlat() => new("MSELossFlat",
        (pred, target, reduction) => nn.functional.mse_loss(pred.flatten(), target.flatten().to(pred.dtype), Reduction(reduction)));

    // Per sample over the batch dimension: the class axis moved last, every other dimension a sample.
    private static Tensor Flat(Tensor pred, int axis) => pred.dim() <= 2 && (axis == -1 || axis == pred.dim() - 1) ? pred : pred.movedim([axis], [-1]).flatten(0, -2);

    private static nn.Reduction Reduction(string reduction) => reduction switch
    {
        "mean" => nn.Reduction.Mean,
        "none" => nn.Reduction.None,
        "sum" => nn.Reduction.Sum,
        _ => throw new ArgumentException($"Unknown reduction '{reduction}': mean, none or sum.", nameof(reduction)),
    };
}
