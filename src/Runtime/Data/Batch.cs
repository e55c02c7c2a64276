using static TorchSharp.torch;

namespace Gen;

/// <summary>One batch: the model's inputs and the targets (fastai's <c>(xb, yb)</c>, tuples of tensors).</summary>
public readonly struct Batch(Tensor[] xs, Tensor[] ys)
{
    /// <summary>Every input, in the order the model takes them.</summary>
    public Tensor[] Xs { get; } = xs;

    /// <summary>Every target (none for unlabelled data).</summary>
    public Tensor[] Ys { get; } = ys;

    /// <summary>The first (usually only) input.</summary>
    public Tensor X => Xs[0];

    /// <summary>The first (usually only) target.</summary>
    public Tensor Y => Ys[0];

    /// <summary>Deconstructs into the first input and the first target: <c>var (x, y) = dl.Batch(i)</c>.</summary>
    public void Deconstruct(out Tensor x, out Tensor y) => (x, y) = (X, Y);
}
