using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace Gen;

/// <summary>One row of fastai's epoch table: train loss, valid loss, the metrics in <see cref="Recorder.MetricNames"/> order, and the time.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double ValidLoss, IReadOnlyList<double> Metrics, TimeSpan Time)
{
    /// <summary>The row's cells as fastai prints them, numbers written by <paramref name="number"/> (default: six decimals), time as mm:ss.</summary>
    public string[] Cells(Func<double, string>? number = null)
    {
        number ??= SixDecimals;
        return [Epoch.ToString(CultureInfo.InvariantCulture), number(TrainLoss), number(ValidLoss), .. Metrics.Select(number),
                $"{(int)Time.TotalMinutes:00}:{Time.Seconds:00}"];
    }

    private static string SixDecimals(double value) => value.ToString("F6", CultureInfo.InvariantCulture);
}

/// <summary>
/// fastai's Recorder (order 50). Per training batch: the smoothed loss (fastai's debiased EMA, beta 0.98) in
/// <see cref="Losses"/> and <see cref="Learner.SmoothLoss"/>, the raw loss, and the lr and mom of the last param
/// group. Per epoch (<see cref="Values"/>): train loss (smoothed), valid loss (mean over samples), each metric
/// over the validation set, and the time, handed to <see cref="Learner.Logger"/> when the epoch ends (fastai's
/// <c>self.logger(self.log)</c>), so a callback that cancels the fit after the Recorder still leaves the row printed.
/// Its metrics are the Learner's (<c>metrics:</c>) unless given here.
/// </summary>
[Order(50)]
public sealed partial class Recorder(params Metric[] metrics) : Callback, ICheckpointed
{
    private readonly Stopwatch _clock = new();
    private readonly AvgSmoothLoss _smoothLoss = new();
    private readonly AvgLoss _validLoss = new();
    private Metric[] _fitMetrics = [];   // Metrics, resolved once per fit: the batch loop must not allocate
    private bool _recordsMom;
    private double _trainLoss;

    /// <summary>The metrics computed on the validation set each epoch: the ones given to the Recorder, else the Learner's.</summary>
    public IReadOnlyList<Metric> Metrics => metrics.Length > 0 ? metrics : Learn?.Metrics ?? [];

    /// <summary>fastai's metric_names: epoch, train_loss, valid_loss, the metrics, time.</summary>
    public IReadOnlyList<string> MetricNames => ["epoch", "train_loss", "valid_loss", .. Metrics.Select(m => m.Name), "time"];

    /// <summary>Smoothed loss after every training batch (fastai's <c>recorder.losses</c>).</summary>
    public List<double> Losses { get; } = [];

    /// <summary>Raw loss of every training batch.</summary>
    public List<double> BatchLosses { get; } = [];

    /// <summary>Learning rate of every training batch (last param group).</summary>
    public List<double> Lrs { get; } = [];

    /// <summary>Momentum of every training batch (last param group), when the optimizer has one.</summary>
    public List<double> Moms { get; } = [];

    /// <summary>Number of training batches recorded when each epoch ended (fastai's <c>iters</c>, where plot_loss puts validation points).</summary>
    public List<int> Iters { get; } = [];

    /// <summary>One record per completed epoch (fastai's <c>recorder.values</c>).</summary>
    public List<EpochRecord> Values { get; } = [];

    /// <summary>The Learner's Recorder, or an error saying that <paramref name="reader"/> needs one.</summary>
    public static Recorder Of(Learner learn, string reader) => learn.Get<Recorder>()
        ?? throw new InvalidOperationException($"{reader} reads what the Recorder records; add a Recorder (every Learner gets one unless its default callbacks were removed).");

    [Event]
    void BeforeFit(Learner learn)
    {
        if (learn.StartEpoch > 0) KeepEpochsBefore(learn.StartEpoch);   // a resumed fit continues the history it loaded
        else
        {
            foreach (var list in new IList<double>[] { Losses, BatchLosses, Lrs, Moms }) list.Clear();
            Iters.Clear();
            Values.Clear();
            _smoothLoss.Reset();
        }
        _fitMetrics = [.. Metrics];
        _recordsMom = learn.Opt!.HasHyper("mom");
    }

    [Event]
    void BeforeEpoch()
    {
        _clock.Restart();
        _trainLoss = double.NaN;
    }

    [Event]
    void BeforeValidate()
    {
        _fitMetrics = [.. Metrics];   // learn.Validate runs outside a fit
        _validLoss.Reset();
        foreach (var m in _fitMetrics) m.Reset();
    }

    /// <summary>The last validation pass's loss and metrics (fastai's <c>validate()</c> result: valid_loss, then each metric).</summary>
    public IReadOnlyList<double> LastValidation => [_validLoss.Value, .. _fitMetrics.Select(m => m.Value)];

    [Event]
    void AfterBatch(Learner learn)
    {
        if (learn.Ybs.Length == 0) return;   // no targets, no loss (fastai: if len(self.yb) == 0: return)
        if (!learn.Training)
        {
            _validLoss.Accumulate(learn);
            foreach (var m in _fitMetrics) m.Accumulate(learn);
            return;
        }
        _smoothLoss.Accumulate(learn);
        learn.SmoothLoss = _smoothLoss.Value;
        Losses.Add(learn.SmoothLoss);
        BatchLosses.Add(learn.LossValue);
        var opt = learn.Opt!;
        int last = opt.GroupCount - 1;
        Lrs.Add(opt.GetHyper("lr", last));
        // A mom that no step reads appears when a schedule first sets it (one-cycle on plain SGD).
        if (_recordsMom || (_recordsMom = opt.HasHyper("mom"))) Moms.Add(opt.GetHyper("mom", last));
    }

    [Event] void AfterTrain(Learner learn) => _trainLoss = learn.SmoothLoss;

    [Event]
    void AfterEpoch(Learner learn)
    {
        Iters.Add(Losses.Count);
        var record = new EpochRecord(learn.Epoch, _trainLoss, _validLoss.Value, _fitMetrics.Select(m => m.Value).ToArray(), _clock.Elapsed);
        Values.Add(record);
        learn.Logger(record);
    }

    /// <summary>Drops what was recorded after epoch <paramref name="epochs"/> - 1 (a resumed fit redoes those epochs).</summary>
    private void KeepEpochsBefore(int epochs)
    {
        if (Values.Count <= epochs) return;
        int batches = epochs == 0 ? 0 : Iters[epochs - 1];
        foreach (var list in new List<double>[] { Losses, BatchLosses, Lrs }) list.RemoveRange(batches, list.Count - batches);
        if (Moms.Count > batches) Moms.RemoveRange(batches, Moms.Count - batches);
        Iters.RemoveRange(epochs, Iters.Count - epochs);
        Values.RemoveRange(epochs, Values.Count - epochs);
    }

    /// <summary>Checkpoints keep the Recorder's history under "recorder".</summary>
    public string CheckpointKey => "recorder";

    /// <summary>The history (losses, lrs, moms, iters, epoch rows) and the smoothing state.</summary>
    public void SaveState(CheckpointState state)
    {
        state.Set("losses", Losses);
        state.Set("batch_losses", BatchLosses);
        state.Set("lrs", Lrs);
        state.Set("moms", Moms);
        state.Set("iters", Iters.Select(i => (double)i));
        state.Set("epochs", Values.Select(v => (double)v.Epoch));
        state.Set("train_loss", Values.Select(v => v.TrainLoss));
        state.Set("valid_loss", Values.Select(v => v.ValidLoss));
        state.Set("seconds", Values.Select(v => v.Time.TotalSeconds));
        state.Set("metric_count", Values.Count == 0 ? 0 : Values[0].Metrics.Count);
        state.Set("metrics", Values.SelectMany(v => v.Metrics));
        var (average, betaPower) = _smoothLoss.State;
        state.Set("smooth_average", average);
        state.Set("smooth_beta_power", betaPower);
    }

    /// <summary>Puts back what <see cref="SaveState"/> wrote (read whole first: a mismatch changes nothing).</summary>
    public void LoadState(CheckpointState state)
    {
        double[] epochs = state.GetDoubles("epochs"), train = state.GetDoubles("train_loss"), valid = state.GetDoubles("valid_loss"),
                 seconds = state.GetDoubles("seconds"), metricValues = state.GetDoubles("metrics");
        int perRow = (int)state.GetLong("metric_count");
        if (train.Length != epochs.Length || valid.Length != epochs.Length || seconds.Length != epochs.Length || metricValues.Length != perRow * epochs.Length)
            throw new CheckpointException("The checkpoint's recorder history has rows of different lengths; the file was written by other code.");
        var rows = epochs.Select((e, i) => new EpochRecord((int)e, train[i], valid[i], metricValues[(i * perRow)..((i + 1) * perRow)], TimeSpan.FromSeconds(seconds[i]))).ToList();
        var lists = new[] { (Losses, state.GetDoubles("losses")), (BatchLosses, state.GetDoubles("batch_losses")), (Lrs, state.GetDoubles("lrs")), (Moms, state.GetDoubles("moms")) };
        var iters = state.GetDoubles("iters");
        var smooth = (state.GetDouble("smooth_average"), state.GetDouble("smooth_beta_power"));
        foreach (var (list, values) in lists) { list.Clear(); list.AddRange(values); }
        Iters.Clear();
        Iters.AddRange(iters.Select(i => (int)i));
        Values.Clear();
        Values.AddRange(rows);
        _smoothLoss.State = smooth;
    }
}
