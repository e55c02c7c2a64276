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
    private double _betaPower = 1;   // beta^count, kept as a product: Math.Pow on every batch costs more than the rest

    public override string Name => "loss";

    public override void Reset() => (_average, _betaPower) = (0, 1);

    public override void Accumulate(Learner learn)
    {
        _betaPower *= beta;
        _average = beta * _average + (1 - beta) * learn.LossValue;
    }

    public override double Value => _betaPower == 1 ? double.NaN : _average / (1 - _betaPower);

    /// <summary>The running average and beta^count, which a checkpoint keeps so that a resumed fit smooths on exactly.</summary>
    internal (double Average, double BetaPower) State
    {
        get => (_average, _betaPower);
        set => (_average, _betaPower) = value;
    }
}
