using System.Collections.Generic;
using System.Diagnostics;

namespace Gen;

/// <summary>One row of fastai's epoch table.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double ValidLoss, System.TimeSpan Time);

/// <summary>
/// fastai's Recorder (order 50): the smoothed training loss (debiased EMA, beta 0.98) in
/// <see cref="Learner.SmoothLoss"/>, every training batch's loss, and per epoch the train loss (smoothed,
/// as fastai's AvgSmoothLoss), the validation loss (mean over samples, as AvgLoss) and the time.
/// </summary>
[Order(50)]
public sealed partial class Recorder : Callback
{
    private const double Beta = 0.98;
    private readonly Stopwatch _clock = new();
    private double _smoothSum;
    private int _smoothCount;
    private double _validSum;
    private long _validCount;

    /// <summary>Loss of every training batch, in order.</summary>
    public List<double> Losses { get; } = [];

    /// <summary>One record per completed epoch (fastai's <c>recorder.values</c>).</summary>
    public List<EpochRecord> Values { get; } = [];

    [Event]
    void BeforeFit(Learner learn)
    {
        Losses.Clear();
        Values.Clear();
        (_smoothSum, _smoothCount) = (0, 0);
    }

    [Event]
    void BeforeEpoch()
    {
        _clock.Restart();
        (_validSum, _validCount) = (0, 0);
    }

    [Event]
    void AfterBatch(Learner learn)
    {
        double loss = learn.LossValue;
        if (learn.Training)
        {
            _smoothSum = Beta * _smoothSum + (1 - Beta) * loss;
            _smoothCount++;
            learn.SmoothLoss = _smoothSum / (1 - System.Math.Pow(Beta, _smoothCount));
            Losses.Add(loss);
        }
        else
        {
            long n = learn.Yb!.shape[0];
            _validSum += loss * n;
            _validCount += n;
        }
    }

    [Event]
    void AfterEpoch(Learner learn) =>
        Values.Add(new EpochRecord(learn.Epoch, learn.SmoothLoss, _validCount == 0 ? double.NaN : _validSum / _validCount, _clock.Elapsed));
}
