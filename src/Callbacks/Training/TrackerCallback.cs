using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Gen;

/// <summary>
/// fastai's TrackerCallback (order 60, after the <see cref="Recorder"/>): keeps the best value so far of
/// <see cref="Monitor"/>, one of the values the Recorder records each epoch (<c>train_loss</c>, <c>valid_loss</c>, or
/// a metric's name), and whether the last epoch improved on it (<see cref="NewBest"/>). An epoch improves when its
/// value beats <see cref="Best"/> by more than <see cref="MinDelta"/> in the direction of <see cref="Comp"/>.
/// </summary>
/// <remarks>
/// <para>Deriving: Gen's generator compiles each callback class's own <c>[Event]</c> handlers and refuses handlers in
/// a base callback (GEN0010), so this base declares none. A derived callback is a <c>sealed partial</c> class with
/// <c>[Order(TrackerOrder + n)]</c> and <c>[RunAfter(typeof(Recorder))]</c> whose handlers call
/// <see cref="StartTracking"/> at before_fit and <see cref="TrackEpoch"/> at after_epoch, then act on
/// <see cref="NewBest"/> and <see cref="Best"/> (fastai's <c>super().before_fit()</c> and <c>super().after_epoch()</c>).
/// State of its own that a new fit resets goes in <see cref="ResetFitState"/>, state a checkpoint keeps in
/// <see cref="SaveState"/>/<see cref="LoadState"/> (override, call the base).</para>
/// <para>As fastai's, a tracker does nothing while <see cref="LrFinder"/> runs (LrFind). State loaded from a
/// checkpoint (<see cref="LoadState"/>) is kept by a fit that resumes (<c>startEpoch</c> above 0) even with
/// <see cref="ResetOnFit"/>, so that it continues as the interrupted one would have.</para>
/// </remarks>
public abstract class TrackerCallback : Callback, ICheckpointed
{
    /// <summary>fastai's <c>TrackerCallback.order</c>; derived trackers add to it (SaveModel 61, ReduceLROnPlateau 62, EarlyStopping 63).</summary>
    public const int TrackerOrder = 60;

    private int _index = -1;   // position of the monitor among the recorded values: train_loss 0, valid_loss 1, metrics after
    private bool _active;      // fastai's self.run: false while the LR finder runs

    /// <param name="monitor">The recorded value to track: <c>train_loss</c>, <c>valid_loss</c> or a metric's name.</param>
    /// <param name="comp">Which way the value improves; null infers it from <paramref name="monitor"/> (<see cref="InferComp"/>).</param>
    /// <param name="minDelta">How much a value must beat the best by to count as an improvement (0 or more).</param>
    /// <param name="resetOnFit">Whether every fit starts from no best value (fastai's <c>reset_on_fit</c>).</param>
    protected TrackerCallback(string monitor = "valid_loss", TrackerComp? comp = null, double minDelta = 0, bool resetOnFit = true)
    {
        if (string.IsNullOrWhiteSpace(monitor))
            throw new ArgumentException("A tracker needs a value to monitor: \"valid_loss\" (the default), \"train_loss\" or a metric's name.", nameof(monitor));
        if (!(minDelta >= 0) || double.IsInfinity(minDelta))
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta,
                "min_delta is the margin by which a value must beat the best one, a finite number of 0 or more; the direction comes from comp.");
        Monitor = monitor;
        Comp = comp ?? InferComp(monitor);
        MinDelta = minDelta;
        ResetOnFit = resetOnFit;
        Best = Worst;
    }

    /// <summary>fastai's <c>monitor</c>: the name of the tracked value, as in the epoch table.</summary>
    public string Monitor { get; }

    /// <summary>fastai's <c>comp</c>: whether lower or higher values are better.</summary>
    public TrackerComp Comp { get; }

    /// <summary>fastai's <c>min_delta</c> as given (fastai negates it internally when lower is better; so does the comparison here).</summary>
    public double MinDelta { get; }

    /// <summary>fastai's <c>reset_on_fit</c>.</summary>
    public bool ResetOnFit { get; }

    /// <summary>fastai's <c>best</c>: the best value seen (infinitely bad before the first epoch).</summary>
    public double Best { get; protected set; }

    /// <summary>fastai's <c>new_best</c>: whether the last tracked epoch improved on <see cref="Best"/>.</summary>
    public bool NewBest { get; protected set; }

    /// <summary>fastai's <c>run</c>: false during a fit in which the tracker is idle (LrFind's); a derived tracker then does nothing.</summary>
    protected bool IsTracking => _active;

    /// <summary>Where messages go (fastai prints them); <see cref="Console.Out"/> by default, null for none.</summary>
    public TextWriter? Output { get; set; } = Console.Out;

    /// <summary>fastai's default <c>comp</c>: lower is better when the name contains "loss" or "error", else higher.</summary>
    public static TrackerComp InferComp(string monitor) =>
        monitor.Contains("loss", StringComparison.Ordinal) || monitor.Contains("error", StringComparison.Ordinal) ? TrackerComp.Less : TrackerComp.Greater;

    private double Worst => Comp == TrackerComp.Less ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>
    /// fastai's <c>TrackerCallback.before_fit</c>: finds <see cref="Monitor"/> among the Recorder's values (an unknown
    /// name throws, listing the known ones), resets <see cref="Best"/> when <see cref="ResetOnFit"/> (or before the first
    /// fit) and calls <see cref="ResetFitState"/>, unless the fit resumes (<c>startEpoch</c> above 0) or is LrFind's.
    /// </summary>
    protected void StartTracking(Learner learn)
    {
        _index = MonitorIndex(Recorder.Of(learn, GetType().Name));
        _active = learn.Get<LrFinder>() is null;
        NewBest = false;
        if (!_active) return;   // an LR finder's fit leaves the tracked state as it was
        if (learn.StartEpoch > 0) return;   // a resumed fit continues from the loaded (or last) state; before any, Best is Worst
        if (ResetOnFit) Best = Worst;
        ResetFitState();
    }

    /// <summary>Resets a derived tracker's own per-fit state (fastai: <c>self.wait = 0</c> in before_fit). Not called when the fit resumes (<c>startEpoch</c> above 0).</summary>
    protected virtual void ResetFitState() { }

    /// <summary>
    /// fastai's <c>TrackerCallback.after_epoch</c>: compares the epoch's recorded value with <see cref="Best"/> and sets
    /// <see cref="NewBest"/> (and <see cref="Best"/> when it improved). False when the tracker is idle (during LrFind): act on nothing then.
    /// </summary>
    protected bool TrackEpoch(Learner learn)
    {
        if (!_active) return false;   // also before StartTracking, which found the monitor
        var values = Recorder.Of(learn, GetType().Name).Values;
        if (values.Count == 0 || values[^1].Epoch != learn.Epoch)
            throw new InvalidOperationException($"{GetType().Name} reads epoch {learn.Epoch} before the Recorder has recorded it; give it [RunAfter(typeof(Recorder))] or an order above 50.");
        double value = Recorded(values[^1]);
        // fastai: comp(val - min_delta, best), with min_delta negated when lower is better.
        NewBest = Comp == TrackerComp.Less ? value + MinDelta < Best : value - MinDelta > Best;
        if (NewBest) Best = value;
        return true;
    }

    /// <summary>Writes <paramref name="message"/> to <see cref="Output"/> (fastai's print).</summary>
    protected void Report(string message) => Output?.WriteLine(message);

    /// <summary>A number as a message shows it: shortest round-trip form, invariant culture.</summary>
    protected static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private int MonitorIndex(Recorder recorder)
    {
        var names = recorder.MetricNames;
        var recorded = names.Skip(1).Take(names.Count - 2).ToList();   // fastai's metric_names[1:] without the time column
        int index = recorded.IndexOf(Monitor);
        if (index < 0)
            throw new InvalidOperationException(
                $"{GetType().Name} monitors '{Monitor}', which the Recorder does not record; it records {string.Join(", ", recorded)}. " +
                "Pass one of these as monitor (a metric is named as in the epoch table), or add the metric to the Learner's metrics.");
        return index;
    }

    private double Recorded(EpochRecord record) => _index switch
    {
        0 => record.TrainLoss,
        1 => record.ValidLoss,
        _ => record.Metrics[_index - 2],
    };

    /// <summary>The key of this tracker's state in a checkpoint: its fastai name and monitor, e.g. <c>early_stopping:valid_loss</c>.</summary>
    public virtual string CheckpointKey => $"{Name}:{Monitor}";

    /// <summary>Writes the monitor, comp and <see cref="Best"/>. Overrides add their own values and call this.</summary>
    public virtual void SaveState(CheckpointState state)
    {
        state.Set("monitor", Monitor);
        state.Set("comp", Comp.ToString());
        state.Set("best", Best);
    }

    /// <summary>
    /// Restores <see cref="Best"/>, refusing a state that tracked another monitor or direction; the next fit continues
    /// from it. Overrides read their own values first, call this, then assign, so nothing changes when a read fails.
    /// </summary>
    public virtual void LoadState(CheckpointState state)
    {
        string monitor = state.GetString("monitor"), comp = state.GetString("comp");
        double best = state.GetDouble("best");
        if (monitor != Monitor || comp != Comp.ToString())
            throw new CheckpointException(
                $"The checkpoint's '{state.Part}' tracked '{monitor}' ({comp} is better), but this {GetType().Name} tracks '{Monitor}' ({Comp} is better); " +
                "create the callback with the monitor and comp it was saved with.");
        Best = best;
    }
}
