using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Gen;

/// <summary>
/// fastai's CSVLogger (order 60, after the Recorder): the epoch table as CSV in <paramref name="path"/> — a header of
/// <see cref="Recorder.MetricNames"/>, then one line per epoch, flushed as it ends — so runs can be compared
/// without parsing console text. <paramref name="append"/> adds to an existing file without a new header. Like
/// fastai's, it writes each row when the Recorder logs it (it chains <see cref="Learner.Logger"/>, which the fit puts back when it ends).
/// </summary>
[Order(60)]
[RunAfter(typeof(Recorder)), RunAfter(typeof(Progress))]   // Progress replaces the logger; CsvLogger chains whatever is there
public sealed partial class CsvLogger(string path = "history.csv", bool append = false) : Callback
{
    private StreamWriter? _file;

    /// <summary>The CSV file (fastai's <c>fname</c>); a relative path is taken from the current directory.</summary>
    public string Path { get; } = path;

    [Event]
    void BeforeFit(Learner learn)
    {
        var names = Recorder.Of(learn, nameof(CsvLogger)).MetricNames;
        bool header = !append || !File.Exists(Path) || new FileInfo(Path).Length == 0;
        _file = new StreamWriter(Path, append);
        if (header) _file.WriteLine(string.Join(",", names));
        _file.Flush();
        var previous = learn.Logger;
        learn.Logger = record =>
        {
            _file?.WriteLine(string.Join(",", record.Cells(Number)));
            _file?.Flush();
            previous(record);
        };
    }

    [Event]
    void AfterFit()
    {
        _file?.Dispose();
        _file = null;
    }

    /// <summary>The logged table: one row per line, cells as written.</summary>
    public string[][] Read() => File.ReadAllLines(Path).Select(l => l.Split(',')).ToArray();

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
