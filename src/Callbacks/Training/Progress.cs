using System;
using System.IO;
using System.Linq;

namespace Gen;

/// <summary>
/// fastai's progress output (order 60): the epoch table <c>epoch train_loss valid_loss time</c>, one
/// line per epoch as it ends, read from the <see cref="Recorder"/>. Quiet when given no writer.
/// </summary>
[Order(60)]
[RunAfter(typeof(Recorder))]
public sealed partial class Progress(TextWriter? output) : Callback
{
    private static readonly string[] Columns = ["epoch", "train_loss", "valid_loss", "time"];

    /// <summary>Writes to standard output.</summary>
    public Progress() : this(Console.Out) { }

    /// <summary>Writes nothing: for tests and benchmarks.</summary>
    public static Progress Quiet() => new(null);

    [Event] void BeforeFit() => output?.WriteLine(Row(Columns));

    [Event]
    void AfterEpoch(Learner learn)
    {
        if (output is null) return;
        var record = learn.Get<Recorder>()?.Values.LastOrDefault()
            ?? throw new InvalidOperationException("Progress reads the epoch's losses from the Recorder; add a Recorder (Defaults.Callbacks() has both).");
        output.WriteLine(Row([record.Epoch.ToString(), Format(record.TrainLoss), Format(record.ValidLoss), $"{(int)record.Time.TotalMinutes:00}:{record.Time.Seconds:00}"]));
    }

    private static string Format(double value) => value.ToString("F6", System.Globalization.CultureInfo.InvariantCulture);

    private static string Row(string[] cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(Math.Max(Columns[i].Length, 8)))).TrimEnd();
}
