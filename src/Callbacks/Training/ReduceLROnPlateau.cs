using System;
using System.Linq;

namespace Gen;

/// <summary>
/// fastai's ReduceLROnPlateau (order 62): when <see cref="TrackerCallback.Monitor"/> has not improved for
/// <see cref="PatienceTracker.Patience"/> epochs, divides the lr of every param group by <see cref="Factor"/>, never
/// below <see cref="MinLr"/>, starts counting again, and writes "Epoch N: reducing lr to X" (the last group's lr) when
/// it went down.
/// </summary>
/// <remarks>
/// The new lr lasts until something sets lr again: the next <see cref="Learner.Fit"/> (which sets its lr) or a
/// <see cref="ParamScheduler"/> that schedules lr (<c>FitOneCycle</c>, <c>FitFlatCos</c>, <c>FitSgdr</c>), which
/// overwrites it before the next training batch, so the reduction has no effect there. fastai behaves the same;
/// use it with <see cref="Learner.Fit"/>. It says so once per fit when it sees such a scheduler. Unlike fastai, an lr
/// already below <see cref="MinLr"/> is left as it is rather than raised to it.
/// </remarks>
[Order(TrackerOrder + 2)]
[RunAfter(typeof(Recorder))]
public sealed partial class ReduceLROnPlateau : PatienceTracker
{
    /// <param name="monitor">The recorded value to track: <c>train_loss</c>, <c>valid_loss</c> or a metric's name.</param>
    /// <param name="comp">Which way the value improves; null infers it from the name (fastai's rule).</param>
    /// <param name="minDelta">How much a value must beat the best by to count as an improvement.</param>
    /// <param name="patience">Epochs without improvement before the lr is reduced.</param>
    /// <param name="factor">What the lr is divided by (fastai's <c>factor</c>, above 1).</param>
    /// <param name="minLr">The lowest lr a reduction gives (fastai's <c>min_lr</c>, 0 or more).</param>
    /// <param name="resetOnFit">Whether every fit starts from no best value.</param>
    public ReduceLROnPlateau(string monitor = "valid_loss", TrackerComp? comp = null, double minDelta = 0, int patience = 1,
                             double factor = 10, double minLr = 0, bool resetOnFit = true)
        : base(monitor, comp, minDelta, patience, resetOnFit)
    {
        if (!(factor > 1) || double.IsInfinity(factor))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "factor divides the lr, so it must be a finite number above 1 (fastai's default is 10).");
        if (!(minLr >= 0) || double.IsInfinity(minLr))
            throw new ArgumentOutOfRangeException(nameof(minLr), minLr, "min_lr is the lowest lr a reduction gives, a finite number of 0 or more.");
        Factor = factor;
        MinLr = minLr;
    }

    /// <summary>fastai's <c>factor</c>.</summary>
    public double Factor { get; }

    /// <summary>fastai's <c>min_lr</c>.</summary>
    public double MinLr { get; }

    [Event]
    void BeforeFit(Learner learn)
    {
        StartTracking(learn);
        if (learn.Cbs.OfType<ParamScheduler>().Any(s => s.Hps.ContainsKey("lr")))
            Report($"{nameof(ReduceLROnPlateau)}: a ParamScheduler sets lr before every batch of this fit and will undo the reductions (fastai too); use Fit for plateau-driven lrs.");
    }

    [Event]
    void AfterEpoch(Learner learn)
    {
        if (!PatienceRanOut(learn)) return;
        var opt = learn.Opt!;
        int last = opt.GroupCount - 1;
        double before = opt.GetHyper("lr", last);
        for (int g = 0; g < opt.GroupCount; g++)
        {
            double lr = opt.GetHyper("lr", g);
            opt.SetHyper("lr", g, Math.Min(lr, Math.Max(lr / Factor, MinLr)));
        }
        Wait = 0;
        double after = opt.GetHyper("lr", last);
        if (after < before) Report($"Epoch {learn.Epoch}: reducing lr to {Format(after)}");
    }
}
