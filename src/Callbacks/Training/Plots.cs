using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace Gen;

/// <summary>fastai's recorder plots as PNG files (ScottPlot): loss, schedule, lr finder and metrics. Each returns the path it wrote.</summary>
public static class Plots
{
    private const int Width = 800, Height = 500;

    /// <summary>fastai's plot_loss: the smoothed training loss per batch (from <paramref name="skipStart"/>) and the validation loss at each epoch's end.</summary>
    public static string PlotLoss(this Recorder recorder, string path, int skipStart = 5, bool withValid = true)
    {
        var plot = new Plot();
        int start = Math.Min(skipStart, Math.Max(0, recorder.Losses.Count - 1));
        var train = plot.Add.ScatterLine(Enumerable.Range(start, recorder.Losses.Count - start).Select(i => (double)i).ToArray(), recorder.Losses.Skip(start).ToArray());
        train.LegendText = "train";
        if (withValid && recorder.Values.Count > 0)
        {
            var valid = plot.Add.Scatter(recorder.Iters.Select(i => (double)i).ToArray(), recorder.Values.Select(v => v.ValidLoss).ToArray());
            valid.LegendText = "valid";
        }
        return Save(plot, path, "Loss", "batches processed", "loss");
    }

    /// <summary>fastai's plot_sched: the lr and (when recorded) the mom of every training batch, side by side.</summary>
    public static string PlotSched(this Recorder recorder, string path)
    {
        var plot = new Plot();
        var xs = Enumerable.Range(0, recorder.Lrs.Count).Select(i => (double)i).ToArray();
        var lr = plot.Add.ScatterLine(xs, recorder.Lrs.ToArray());
        lr.LegendText = "lr";
        if (recorder.Moms.Count == recorder.Lrs.Count && recorder.Moms.Count > 0)
        {
            var mom = plot.Add.ScatterLine(xs, recorder.Moms.ToArray());
            mom.LegendText = "mom (right axis)";
            mom.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "mom";
        }
        return Save(plot, path, "Schedule", "training batch", "lr");
    }

    /// <summary>fastai's plot_lr_find: smoothed loss against the lr on a log scale (last <paramref name="skipEnd"/> batches dropped), suggestions marked.</summary>
    public static string PlotLrFind(this Recorder recorder, string path, IEnumerable<LrSuggestion>? suggestions = null, int skipEnd = 5)
    {
        int n = Math.Max(1, recorder.Lrs.Count - skipEnd);
        var plot = new Plot();
        plot.Add.ScatterLine(recorder.Lrs.Take(n).Select(Math.Log10).ToArray(), recorder.Losses.Take(n).ToArray());
        foreach (var s in suggestions ?? [])
        {
            var marker = plot.Add.Marker(Math.Log10(s.PointLr), s.PointLoss, MarkerShape.FilledCircle, 10);
            marker.LegendText = $"{s.Method}: {s.Lr:0.##e+0}";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = x => $"1e{x:0}",
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
        };
        return Save(plot, path, "Learning rate finder", "learning rate (log scale)", "loss");
    }

    /// <summary>fastai's plot_metrics: train and valid loss and every metric per epoch.</summary>
    public static string PlotMetrics(this Recorder recorder, string path)
    {
        var plot = new Plot();
        var epochs = recorder.Values.Select(v => (double)v.Epoch).ToArray();
        void Line(string name, IEnumerable<double> values) => plot.Add.ScatterLine(epochs, values.ToArray()).LegendText = name;
        Line("train_loss", recorder.Values.Select(v => v.TrainLoss));
        Line("valid_loss", recorder.Values.Select(v => v.ValidLoss));
        for (int m = 0; m < recorder.Metrics.Count; m++) Line(recorder.Metrics[m].Name, recorder.Values.Select(v => v.Metrics[m]));
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        return Save(plot, path, "Metrics", "epoch", "value");
    }

    private static string Save(Plot plot, string path, string title, string x, string y)
    {
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(Edge.Right);   // outside the data: the lr finder's suggestions sit where the curve ends
        plot.SavePng(path, Width, Height);
        return path;
    }
}
