using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Gen.TestSupport;
using SkiaSharp;
using Xunit;

namespace Gen.Callbacks.Tests;

/// <summary>What a run leaves behind: the plain epoch table, the CSV log and the plots.</summary>
public class OutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gen-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (Learner, Recorder) Train(params Callback[] extra)
    {
        var recorder = new Recorder(Metrics.Mae(), Metrics.Rmse());
        var learn = SynthLearner.Create(trainBatches: 12, validBatches: 3, optFunc: Adam.Create, cbs: [recorder, .. extra]);
        learn.FitOneCycle(3, lrMax: 0.1);
        return (learn, recorder);
    }

    [Fact]
    public void Redirected_progress_writes_the_header_then_one_line_per_epoch_with_the_metrics()
    {
        var output = new StringWriter();
        var (learn, recorder) = Train(new Progress(output));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal(["epoch", "train_loss", "valid_loss", "mae", "_rmse", "time"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        for (int e = 0; e < 3; e++)
        {
            var cells = lines[e + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var v = recorder.Values[e];
            Assert.Equal([e.ToString(), F(v.TrainLoss), F(v.ValidLoss), F(v.Metrics[0]), F(v.Metrics[1])], cells[..5]);
            Assert.Matches(@"^\d\d:\d\d$", cells[5]);
        }
        learn.Dispose();
    }

    private static string F(double value) => value.ToString("F6", CultureInfo.InvariantCulture);

    [Fact]
    public void The_csv_log_holds_the_recorders_values_exactly()
    {
        var path = Path.Combine(_dir, "history.csv");
        var (learn, recorder) = Train(new CsvLogger(path));
        var rows = new CsvLogger(path).Read();
        Assert.Equal(["epoch", "train_loss", "valid_loss", "mae", "_rmse", "time"], rows[0]);
        Assert.Equal(4, rows.Length);
        for (int e = 0; e < 3; e++)
        {
            var v = recorder.Values[e];
            Assert.Equal(new[] { v.TrainLoss, v.ValidLoss, v.Metrics[0], v.Metrics[1] }, rows[e + 1][1..5].Select(c => double.Parse(c, CultureInfo.InvariantCulture)));
        }
        learn.Remove(learn.Get<CsvLogger>()!);
        learn.Fit(1, cbs: [new CsvLogger(path, append: true)]);
        Assert.Equal(5, File.ReadAllLines(path).Length);   // appended a row, no second header
        learn.Dispose();
    }

    [Fact]
    public void Every_plot_is_a_png_that_is_not_blank()
    {
        var (learn, recorder) = Train();
        var paths = new[]
        {
            recorder.PlotLoss(Path.Combine(_dir, "loss.png")),
            recorder.PlotSched(Path.Combine(_dir, "sched.png")),
            recorder.PlotMetrics(Path.Combine(_dir, "metrics.png")),
        }.ToList();
        var suggestions = learn.LrFind(numIt: 60, suggest: [LrSuggestions.Valley, LrSuggestions.Steep, LrSuggestions.Minimum]);
        paths.Add(recorder.PlotLrFind(Path.Combine(_dir, "lr_find.png"), suggestions));
        foreach (var path in paths)
        {
            using var bitmap = SKBitmap.Decode(path);
            Assert.NotNull(bitmap);
            Assert.Equal((800, 500), (bitmap.Width, bitmap.Height));
            var colors = bitmap.Pixels.Distinct().Count();
            Assert.True(colors > 10, $"{Path.GetFileName(path)} has only {colors} colors");
        }
        var keep = Environment.GetEnvironmentVariable("GEN_KEEP_PLOTS");
        if (!string.IsNullOrEmpty(keep)) foreach (var p in paths) File.Copy(p, Path.Combine(keep, Path.GetFileName(p)), overwrite: true);
        learn.Dispose();
    }
}
