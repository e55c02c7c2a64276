using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace Gen;

/// <summary>
/// What <see cref="ShowGraph"/> draws: the Recorder's training loss after every batch (x: batches trained so far) and its
/// validation loss at the end of every epoch (x: batches trained when the epoch ended), on an x axis that spans the
/// whole fit (<see cref="XMax"/>) from the first epoch on, as fastai's graph does.
/// </summary>
public sealed record LossGraph(double[] TrainX, double[] TrainLoss, double[] ValidX, double[] ValidLoss, double XMax);

/// <summary>
/// fastai's ShowGraphCallback (order 65, after Progress; training only): at the end of every epoch it redraws the
/// training loss per batch and the validation loss per epoch, read from the <see cref="Recorder"/>, into the PNG at
/// <see cref="Path"/> (default <c>show_graph.png</c> in the working folder), so the file always shows the fit so far.
/// fastai draws into its progress bar; a file is what a console or a server can show. Like fastai's, it stays idle
/// during <see cref="FitPolicies.LrFind"/>.
/// </summary>
[Order(65)]
[RunAfter(typeof(Recorder)), RunAfter(typeof(Progress))]
public sealed partial class ShowGraph : Callback
{
    private const int Width = 800, Height = 500;
    private bool _run;

    /// <param name="path">The PNG to (re)write after every epoch; its folder is created when missing.</param>
    public ShowGraph(string path = "show_graph.png")
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("ShowGraph needs a file path for its PNG, e.g. \"show_graph.png\".", nameof(path));
        Path = path;
    }

    /// <summary>The PNG written after every epoch.</summary>
    public string Path { get; }

    /// <summary>The data of the last graph written (null before the first epoch ends).</summary>
    public LossGraph? Last { get; private set; }

    [Event]
    void BeforeFit(Learner learn)
    {
        _run = learn.Get<LrFinder>() is null;   // fastai: not during lr_find
        Last = null;
        if (!_run) return;
        Recorder.Of(learn, nameof(ShowGraph));
        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) is { } folder) Directory.CreateDirectory(folder);
    }

    [Event]
    void AfterEpoch(Learner learn)
    {
        if (!_run) return;
        Last = Graph(Recorder.Of(learn, nameof(ShowGraph)), learn.NEpoch);
        Draw(Last, Path);
    }

    /// <summary>
    /// The graph of <paramref name="recorder"/>'s fit so far, with the x axis stretched to <paramref name="nEpoch"/> epochs
    /// of as many batches as the first one had (fastai's x_bounds).
    /// </summary>
    public static LossGraph Graph(Recorder recorder, int nEpoch)
    {
        var losses = recorder.Losses;
        var ends = recorder.Iters;
        int perEpoch = ends.Count > 0 ? ends[0] : losses.Count;
        double xMax = Math.Max(losses.Count, (double)(nEpoch - ends.Count) * perEpoch + losses.Count);
        return new LossGraph(
            Enumerable.Range(0, losses.Count).Select(i => (double)i).ToArray(), [.. losses],
            ends.Select(i => (double)i).ToArray(), recorder.Values.Select(v => v.ValidLoss).ToArray(),
            xMax);
    }

    /// <summary>Writes <paramref name="graph"/> as a PNG at <paramref name="path"/> and returns the path.</summary>
    public static string Draw(LossGraph graph, string path)
    {
        var plot = new Plot();
        plot.Add.ScatterLine(graph.TrainX, graph.TrainLoss).LegendText = "train";
        if (graph.ValidX.Length > 0)
        {
            var valid = plot.Add.Scatter(graph.ValidX, graph.ValidLoss);
            valid.LegendText = "valid";
        }
        double yMax = graph.TrainLoss.Concat(graph.ValidLoss).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimits(0, Math.Max(1, graph.XMax), 0, yMax > 0 ? yMax * 1.05 : 1);   // fastai: from 0 to the largest loss
        plot.Title("Loss");
        plot.XLabel("batches processed");
        plot.YLabel("loss");
        plot.ShowLegend(Edge.Right);
        // Written beside the target, then moved over it: a viewer refreshing the file never reads half a PNG.
        string partial = path + ".partial.png";
        plot.SavePng(partial, Width, Height);
        File.Move(partial, path, overwrite: true);
        return path;
    }
}
