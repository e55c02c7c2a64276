using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace Gen;

/// <summary>
/// fastai's ProgressCallback (order 60, a default callback of every Learner) with fastai's epoch table
/// <c>epoch train_loss valid_loss &lt;metrics&gt; time</c>. For the fit it becomes the Learner's
/// <see cref="Learner.Logger"/> (the fit puts the previous one back), so each row appears when the <see cref="Recorder"/> logs it (order 50), as in
/// fastai. On a terminal (<see cref="Progress()"/> when output is not redirected) a live Spectre.Console view: the
/// table as it grows and a bar for the batches of the current phase, redrawn at most <see cref="RefreshesPerSecond"/>
/// times a second. Otherwise plain text: the header, then one line per epoch. Quiet with no writer. Silent during
/// <see cref="FitPolicies.LrFind"/>, as fastai's no_logging.
/// </summary>
[Order(60)]
[RunAfter(typeof(Recorder))]
public sealed partial class Progress : Callback
{
    /// <summary>The live view's redraw limit: batch counters change far more often than anyone can read.</summary>
    public const int RefreshesPerSecond = 10;

    private readonly TextWriter? _output;
    private readonly bool _live;
    private readonly Stopwatch _sinceRefresh = new();
    private LiveTable? _view;
    private string[] _columns = [];

    /// <summary>Plain lines to <paramref name="output"/> (null: nothing).</summary>
    public Progress(TextWriter? output) => _output = output;

    /// <summary>A live view on a terminal; plain lines when standard output is redirected.</summary>
    public Progress() : this(Console.Out) => _live = !Console.IsOutputRedirected;

    /// <summary>Writes nothing: for tests and benchmarks.</summary>
    public static Progress Quiet() => new(null);

    [Event]
    void BeforeFit(Learner learn)
    {
        if (_output is null || learn.Get<LrFinder>() is not null)
        {
            learn.Logger = static _ => { };
            return;
        }
        _columns = [.. Recorder.Of(learn, nameof(Progress)).MetricNames];
        if (_live) _view = LiveTable.Start(_columns);
        else _output.WriteLine(Row(_columns));
        learn.Logger = WriteRow;
    }

    [Event]
    void BeforeTrain(Learner learn) => _view?.Phase($"epoch {learn.Epoch + 1}/{learn.NEpoch} train", learn.Dl!.Count);

    [Event]
    void BeforeValidate(Learner learn) => _view?.Phase($"epoch {learn.Epoch + 1}/{learn.NEpoch} valid", learn.Dl!.Count);

    [Event]
    void AfterBatch(Learner learn)
    {
        if (_view is null || _sinceRefresh.IsRunning && _sinceRefresh.ElapsedMilliseconds < 1000 / RefreshesPerSecond) return;
        _view.Batch(learn.Iter + 1, learn.Training ? learn.SmoothLoss : double.NaN);
        _sinceRefresh.Restart();
    }

    private void WriteRow(EpochRecord record)
    {
        var cells = record.Cells();
        if (_view is not null) _view.Add(cells);
        else _output!.WriteLine(Row(cells));
    }

    [Event]
    void AfterFit()
    {
        _view?.Stop();
        _view = null;
    }

    /// <summary>Cells padded to the column names, as fastai's table.</summary>
    private string Row(string[] cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(Math.Max(_columns[i].Length, 8)))).TrimEnd();
}
