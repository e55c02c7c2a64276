using System;
using static TorchSharp.torch;

namespace Gen;

/// <summary>fastai's AvgMetric: a batch function of (pred, targ), averaged over samples (each batch weighted by its size).</summary>
public sealed class AvgMetric(Func<Tensor, Tensor, Tensor> func, string name) : Metric
{
    private double _total;
    private long _count;

    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <inheritdoc/>
    public override void Reset() => (_total, _count) = (0, 0);

    /// <summary>Adds <c>func(pred, targ)</c> of the batch, weighted by the batch size.</summary>
    public override void Accumulate(Learner learn)
    {
        long bs = BatchSize(learn);
        _total += Read(func(learn.Pred!, learn.Yb!)) * bs;
        _count += bs;
    }

    /// <summary>The average over the samples accumulated; NaN before the first batch.</summary>
    public override double Value => _count == 0 ? double.NaN : _total / _count;
}

/// <summary>fastai's AvgLoss: the loss averaged over samples (the valid_loss column).</summary>
public sealed class AvgLoss : Metric
{
    private double _total;
    private long _count;

    /// <summary>"loss", as fastai names it (the <see cref="Recorder"/>'s columns are train_loss and valid_loss).</summary>
    public override string Name => "loss";

    /// <inheritdoc/>
    public override void Reset() => (_total, _count) = (0, 0);

    /// <summary>Adds the batch's loss (<see cref="Learner.LossValue"/>), weighted by the batch size.</summary>
    public override void Accumulate(Learner learn)
    {
        long bs = BatchSize(learn);
        _total += learn.LossValue * bs;
        _count += bs;
    }

    /// <summary>The loss averaged over the samples accumulated; NaN before the first batch.</summary>
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

    /// <summary>"loss", as fastai names it (the <see cref="Recorder"/>'s column is train_loss).</summary>
    public override string Name => "loss";

    /// <summary>Restarts the average with no batch seen.</summary>
    public override void Reset() => (_average, _betaPower) = (0, 1);

    /// <summary>Moves the running average 1 - beta of the way to the batch's loss (<see cref="Learner.LossValue"/>).</summary>
    public override void Accumulate(Learner learn)
    {
        _betaPower *= beta;
        _average = beta * _average + (1 - beta) * learn.LossValue;
    }

    /// <summary>The debiased average: the running average divided by 1 - beta^count; NaN before the first batch.</summary>
    public override double Value => _betaPower == 1 ? double.NaN : _average / (1 - _betaPower);

    /// <summary>The running average and beta^count, which a checkpoint keeps so that a resumed fit smooths on exactly.</summary>
    internal (double Average, double BetaPower) State
    {
        get => (_average, _betaPower);
        set => (_average, _betaPower) = value;
    }
}
