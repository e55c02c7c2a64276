using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace Gen;

// fastai's ActivationStats plots, as PNG files (ScottPlot).
public sealed partial class ActivationStats
{
    private const int Width = 800, Height = 500;

    /// <summary>
    /// fastai's plot_layer_stats: the mean and std of layer <paramref name="layer"/>'s activations per recorded batch, and
    /// (right axis) the share near zero in percent, in one PNG at <paramref name="path"/>. Returns the path.
    /// </summary>
    public string PlotLayerStats(int layer, string path)
    {
        var (mean, std, nearZero) = LayerStats(layer);
        var plot = new Plot();
        var xs = Enumerable.Range(0, mean.Length).Select(i => (double)i).ToArray();
        plot.Add.ScatterLine(xs, mean).LegendText = "mean";
        plot.Add.ScatterLine(xs, std).LegendText = "std";
        var near = plot.Add.ScatterLine(xs, nearZero.Select(z => 100 * z).ToArray());
        near.LegendText = "% near zero (right axis)";
        near.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "% near zero";
        plot.Title($"Activations of {LayerNames[layer]}");
        plot.XLabel("recorded training batch");
        plot.YLabel("mean, std");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>
    /// fastai's color_dim, the "colorful dimension" plot: <see cref="Hist"/> of layer <paramref name="layer"/> as an image,
    /// batches left to right, histogram bins bottom (0) to top (10), brighter where more activations fall, in a PNG at
    /// <paramref name="path"/>. Needs <c>withHist: true</c>. Returns the path.
    /// </summary>
    public string ColorDim(int layer, string path)
    {
        var hist = Hist(layer);
        int bins = hist.GetLength(0), batches = hist.GetLength(1);
        if (batches == 0)
            throw new InvalidOperationException("ActivationStats has recorded no training batch yet: fit first, then draw color_dim.");
        // A heatmap's first row is drawn at the top; fastai's imshow(origin='lower') puts the lowest bin at the bottom.
        var image = new double[bins, batches];
        for (int bin = 0; bin < bins; bin++)
            for (int b = 0; b < batches; b++) image[bins - 1 - bin, b] = hist[bin, b];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(image);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Axes.Frameless();
        plot.HideGrid();
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>
    /// Writes <see cref="PlotLayerStats"/> (<c>NN-name-stats.png</c>) and, with histograms, <see cref="ColorDim"/>
    /// (<c>NN-name-color_dim.png</c>) of every hooked layer into <paramref name="folder"/> (created when missing); returns the paths.
    /// </summary>
    public IReadOnlyList<string> SavePlots(string folder)
    {
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        for (int layer = 0; layer < Modules.Count; layer++)
        {
            string stem = System.IO.Path.Combine(folder, $"{layer:00}-{FileSafe(LayerNames[layer])}");
            paths.Add(PlotLayerStats(layer, stem + "-stats.png"));
            if (WithHist) paths.Add(ColorDim(layer, stem + "-color_dim.png"));
        }
        return paths;
    }

    private static string FileSafe(string name) =>
        new([.. name.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' ? c : '_')]);
}
