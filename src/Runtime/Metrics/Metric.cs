using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's Metric: reset at the start of a phase, accumulated after every batch of it, read at its end.
/// Write your own by deriving from this, or wrap a batch function in <see cref="AvgMetric"/> (averaged over
/// samples) or <see cref="AccumMetric"/> (computed once over the whole phase).
/// </summary>
public abstract class Metric
{
    /// <summary>The column name in the epoch table (fastai's metric name).</summary>
    public abstract string Name { get; }

    /// <summary>Forgets what was accumulated (fastai's reset), at the start of every phase.</summary>
    public abstract void Reset();

    /// <summary>Takes the current batch (<see cref="Learner.Pred"/>, <see cref="Learner.Yb"/>, <see cref="Learner.Loss"/>) into account.</summary>
    public abstract void Accumulate(Learner learn);

    /// <summary>The metric over the batches accumulated since the last <see cref="Reset"/> (fastai's value).</summary>
    public abstract double Value { get; }

    /// <summary>fastai's find_bs: the batch size, from the targets.</summary>
    protected static long BatchSize(Learner learn) => learn.Yb!.shape.Length == 0 ? 1 : learn.Yb.shape[0];

    /// <summary>A scalar tensor's value.</summary>
    protected static double Read(Tensor scalar)
    {
        using var value = scalar.ToScalar();
        return value.ToDouble();
    }
}
