using System;
using static TorchSharp.torch;

namespace Gen;

/// <summary>fastai's AvgMetric: a batch function of (pred, targ), averaged over samples (each batch weighted by its size).</summary>
public sealed class AvgMetric(Func<Tensor, Tensor, Tensor> func, string name) : Metric
{
    private double _total;
    private long _count;

    public override string Name { get; } = name;

    public override void Reset() => (_total, _count) = (0, 0);

    public override void Accumulate(Learner learn)
    {
        long bs = BatchSize(learn);
        _total += Read(func(learn.Pred!, learn.Yb!)) * bs;
        _count += bs;
    }

    public override double Value => _count == 0 ? double.NaN : _total / _count;
}

/// <summary>fastai's AvgLoss: the loss averaged over samples (the valid_loss column).</summary>
public sealed class AvgLoss : Metric
{
    private double _total;
    private long _count;

    public override string Name => "loss";

    public override void Reset() => (_total, _count) = (0, 0);

    public override void Accumulate(Learner learn)
    {
        long bs = BatchSize(learn);
        _total += learn.LossValue * bs;
        _count += bs;
    }

    public override double Value => _count == 0 ? double.NaN : _total / _count;
}

/// <summary>
/// fastai's AvgSmoothLoss: the exponentially weighted moving average of the loss with weight <paramref name="beta"/>,
/// debiased by 1 - beta^count (the train_loss column). fastai keeps it in the loss's dtype; this is float64.
/// </summary>
public sealed class AvgSmoothLoss(double beta = 0.98) : Metric
{
    private double _average;
    private int _count;

    public override string Name => "loss";

    public override void Reset() => (_average, _count) = (0, 0);

    public override void Accumulate(Learner learn)
    {
        _count++;
        _average = beta * _average + (1 - beta) * learn.LossValue;
    }

    public override double Value => _count == 0 ? double.NaN : _average / (1 - Math.Pow(beta, _count));
}
