using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

public sealed class ShowGraphTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly string _folder = Directory.CreateTempSubdirectory("gen-show-graph-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>y = 2x + 3 on 4 shuffled training batches of 4, one validation batch, a linear model, SGD.</summary>
    private static Learner Regression(params Callback[] cbs)
    {
        manual_seed(0);
        var x = linspace(-1, 1, 16).unsqueeze(1);
        var y = 2 * x + 3;
        var dls = new DataLoaders(new DataLoader(x, y, 4, shuffle: true, seed: 1), new DataLoader(x, y, 8));
        return new Learner(nn.Linear(1, 1), dls, (p, t) => nn.functional.mse_loss(p, t), Optimizers.Sgd(), lr: 0.1, cbs: [Progress.Quiet(), .. cbs]);
    }

    [Fact]
    public void ShowGraph_rewrites_its_png_after_every_epoch_with_the_recorders_losses()
    {
        string path = Path.Combine(_folder, "sub", "graph.png");   // the folder is created
        var graph = new ShowGraph(path);
        var probe = new GraphProbe(graph);
        var recorder = new Recorder();
        using var learn = Regression(recorder, graph, probe);
        learn.Fit(3);

        Assert.Equal(3, probe.Epochs.Count);
        for (int e = 0; e < 3; e++)
        {
            var (bytes, data) = probe.Epochs[e];
            Assert.Equal(PngSignature, bytes.Take(8));
            if (e > 0) Assert.NotEqual(probe.Epochs[e - 1].Bytes, bytes);   // redrawn with the new epoch's points
            int batches = 4 * (e + 1);
            Assert.Equal(recorder.Losses.Take(batches), data.TrainLoss);
            Assert.Equal(Enumerable.Range(0, batches).Select(i => (double)i), data.TrainX);
            // fastai puts each validation loss at the number of batches trained when its epoch ended.
            Assert.Equal(Enumerable.Range(1, e + 1).Select(k => 4.0 * k), data.ValidX);
            Assert.Equal(recorder.Values.Take(e + 1).Select(v => v.ValidLoss), data.ValidLoss);
            Assert.Equal(12, data.XMax);   // the axis spans the whole fit (3 epochs of 4 batches) from the start
        }
        Assert.Equal(probe.Epochs[^1].Bytes, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));   // no temporary file left behind
    }

    [Fact]
    public void ShowGraph_stays_idle_during_lr_find()
    {
        string path = Path.Combine(_folder, "graph.png");
        using var learn = Regression(new ShowGraph(path));
        learn.LrFind(numIt: 8);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ShowGraph_needs_a_path() => Assert.Throws<ArgumentException>(() => new ShowGraph(" "));
}

/// <summary>After ShowGraph has drawn, keeps the file's bytes and the data it drew.</summary>
[RunAfter(typeof(ShowGraph))]
internal sealed partial class GraphProbe(ShowGraph graph) : Callback
{
    public List<(byte[] Bytes, LossGraph Data)> Epochs { get; } = [];

    [Event] void AfterEpoch() => Epochs.Add((File.ReadAllBytes(graph.Path), graph.Last!));
}
