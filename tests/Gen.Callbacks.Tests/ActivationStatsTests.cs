using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Gen.Samples.ChapterCallbacks;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

public sealed class ActivationStatsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gen-activation-stats-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // A known batch through known weights: outputs near zero, negative, inside [0, 10] and above it.
    private static readonly double[,] X = { { 0.01, 1, 2 }, { 1, -1, 0.5 }, { 3, 4, -2 }, { -0.5, 0.03, 5 } };
    private static readonly double[,] W1 = { { 1, 0, 0 }, { 0, 2, 0 }, { 0, 0, 3 }, { 1, 1, 1 } };
    private static readonly double[] B1 = [0, 0.5, -1, 0.02];
    private static readonly double[,] W2 = { { 1, -1, 0.5, 2 }, { 0.1, 0.2, 0.3, 0.4 } };
    private static readonly double[] B2 = [0, 1];

    private static Sequential KnownModel()
    {
        var model = nn.Sequential(("lin1", nn.Linear(3, 4)), ("relu", nn.ReLU()), ("lin2", nn.Linear(4, 2)));
        using var _ = no_grad();
        var (lin1, lin2) = ((Linear)model[0], (Linear)model[2]);
        lin1.weight!.copy_(tensor(W1, ScalarType.Float32));
        lin1.bias!.copy_(tensor(B1, ScalarType.Float32));
        lin2.weight!.copy_(tensor(W2, ScalarType.Float32));
        lin2.bias!.copy_(tensor(B2, ScalarType.Float32));
        return model;
    }

    /// <summary>The known model on <paramref name="trainBatches"/> copies of the known batch (lr 0: the weights stay known).</summary>
    private static Learner KnownLearner(int trainBatches, params Callback[] cbs)
    {
        var x = tensor(X, ScalarType.Float32).repeat(trainBatches, 1);
        var y = zeros(x.shape[0], 2);
        var dls = new DataLoaders(new DataLoader(x, y, 4, shuffle: true, seed: 1), new DataLoader(x, y, 4));
        return new Learner(KnownModel(), dls, (p, t) => nn.functional.mse_loss(p, t), TorchOptimizer.Sgd(), lr: 0, cbs: [Progress.Quiet(), .. cbs]);
    }

    [Fact]
    public void Stats_of_each_layer_equal_a_direct_computation_on_the_batch()
    {
        var stats = new ActivationStats(withHist: true);
        using var learn = KnownLearner(trainBatches: 1, stats);
        learn.Fit(2);

        Assert.Equal(["lin1", "lin2"], stats.LayerNames);   // the leaf modules with parameters, not the ReLU
        Assert.Equal(2, stats.Stats.Count);                 // one per training batch; validation batches are not recorded
        var lin1 = Affine(X, W1, B1);
        var lin2 = Affine(Relu(lin1), W2, B2);
        foreach (var batch in stats.Stats)
        {
            AssertStats(lin1, batch[0]);
            AssertStats(lin2, batch[1]);
        }
        var hist = stats.Hist(0);
        var counts = Histogram(lin1.Cast<double>());
        for (int bin = 0; bin < ActivationBatchStats.HistBins; bin++) Assert.Equal(Math.Log(1 + counts[bin]), hist[bin, 1], 9);
    }

    [Fact]
    public void Hooks_are_registered_for_the_fit_only()
    {
        var stats = new ActivationStats();
        var probe = new HookProbe();
        using var learn = KnownLearner(trainBatches: 2, stats, probe);
        var layers = new[] { (nn.Module)((Sequential)learn.Model)[0], (nn.Module)((Sequential)learn.Model)[2] };
        Assert.All(layers, l => Assert.Equal(0, ForwardHookCount(l)));
        learn.Fit(1);

        Assert.Equal([1, 1], probe.HooksDuringFit);
        Assert.All(layers, l => Assert.Equal(0, ForwardHookCount(l)));
        Assert.False(stats.Hooked);
        // The model still runs, unhooked, and nothing more is recorded.
        int recorded = stats.Stats.Count;
        using (no_grad()) ((Sequential)learn.Model).call(tensor(X, ScalarType.Float32)).Dispose();
        Assert.Equal(recorded, stats.Stats.Count);
    }

    [Fact]
    public void Recording_keeps_no_tensor_across_batches()
    {
        var stats = new ActivationStats(withHist: true);
        using var learn = KnownLearner(trainBatches: 20, stats);
        learn.Fit(1);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount, fromWorkers = BatchPass.TensorsMadeByWorkers;
        learn.Fit(3);
        Assert.Equal(60, stats.Stats.Count);
        // TorchSharp counts per thread: the batches the loader's worker made are disposed here, on the training thread.
        long disposedHere = BatchPass.TensorsMadeByWorkers - fromWorkers;
        Assert.InRange(DisposeScopeManager.Statistics.ThreadTotalLiveCount - live + disposedHere, -10, 10);
    }

    [Fact]
    public void Every_records_one_training_batch_in_n()
    {
        var stats = new ActivationStats(every: 2);
        using var learn = KnownLearner(trainBatches: 4, stats);
        learn.Fit(2);
        Assert.Equal(4, stats.Stats.Count);   // train_iter 0, 2, 4, 6 of 8
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationStats(every: 0));
    }

    [Fact]
    public void The_plots_are_written_as_png_files()
    {
        var stats = new ActivationStats(withHist: true);
        using var learn = KnownLearner(trainBatches: 3, stats);
        learn.Fit(2);
        var paths = stats.SavePlots(Path.Combine(_folder, "plots"));
        Assert.Equal(["00-lin1-stats.png", "00-lin1-color_dim.png", "01-lin2-stats.png", "01-lin2-color_dim.png"], paths.Select(Path.GetFileName));
        Assert.All(paths, p => Assert.Equal<byte>([0x89, 0x50, 0x4E, 0x47], File.ReadAllBytes(p).Take(4)));

        var noHist = new ActivationStats();
        using var plain = KnownLearner(trainBatches: 1, noHist);
        plain.Fit(1);
        Assert.Contains("withHist", Assert.Throws<InvalidOperationException>(() => noHist.ColorDim(0, Path.Combine(_folder, "x.png"))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => noHist.LayerStats(2));
    }

    [Fact]
    public void A_recurrent_model_is_hooked_on_its_embedding_lstm_and_decoder()
    {
        manual_seed(0);
        var stats = new ActivationStats(withHist: true);
        using var learn = new Learner(new LstmLanguageModel(10), CountingSequences.Loaders(train: 128), LstmLanguageModel.Loss,
                                      cbs: [Progress.Quiet(), stats]);
        learn.Fit(1);
        Assert.Equal(["embedding", "lstm", "decoder"], stats.LayerNames);
        Assert.Equal(4, stats.Stats.Count);
        Assert.All(stats.Stats.SelectMany(s => s), s => Assert.True(double.IsFinite(s.Mean) && s.Std > 0 && s.Hist!.Sum() > 0));
        // An LSTM's output lies in (-1, 1): about half its activations are at most 0.05.
        Assert.InRange(stats.LayerStats(1).NearZero.Average(), 0.3, 0.7);
    }

    [Fact]
    public void The_model_itself_can_be_hooked_since_the_learner_calls_it_with_hooks()
    {
        var model = KnownModel();
        var x = tensor(X, ScalarType.Float32);
        var stats = new ActivationStats(modules: [model]);
        using var learn = new Learner(model, new DataLoaders(new DataLoader(x, zeros(4, 2), 4), new DataLoader(x, zeros(4, 2), 4)),
                                      (p, t) => nn.functional.mse_loss(p, t), lr: 0, cbs: [Progress.Quiet(), stats]);
        learn.Fit(1);
        using var output = model.call(x);
        Assert.Equal(output.mean().item<float>(), stats.LayerStats(0).Mean.Single(), 5);
    }

    [Fact]
    public void A_layer_that_cannot_be_hooked_is_named_and_leaves_no_hook_behind()
    {
        var model = KnownModel();
        var linear = (nn.Module)model[0];
        var attention = nn.MultiheadAttention(4, 2);   // a forward of several arguments: no hook signature fits it
        var x = tensor(X, ScalarType.Float32);
        using var learn = new Learner(model, new DataLoaders(new DataLoader(x, zeros(4, 2), 4), new DataLoader(x, zeros(4, 2), 4)),
                                      (p, t) => nn.functional.mse_loss(p, t), cbs: [Progress.Quiet(), new ActivationStats(modules: [linear, attention])]);
        Assert.Contains("Cannot hook a MultiheadAttention", Assert.Throws<ArgumentException>(() => learn.Fit(1)).Message);
        Assert.Equal(0, ForwardHookCount(linear));
    }

    private static void AssertStats(double[,] activations, ActivationBatchStats actual)
    {
        var values = activations.Cast<double>().ToArray();
        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));   // torch's std is unbiased
        Assert.Equal(mean, actual.Mean, 1e-5);   // torch computes in float32
        Assert.Equal(std, actual.Std, 1e-5);
        Assert.Equal(values.Count(v => v <= 0.05) / (double)values.Length, actual.NearZero, 12);
        Assert.Equal(Histogram(values), actual.Hist);
    }

    // torch.histc(40, 0, 10): bins of width 0.25 over [0, 10], 10 itself in the last one, values outside not counted.
    private static double[] Histogram(IEnumerable<double> values)
    {
        var counts = new double[40];
        foreach (var v in values)
            if (v >= 0 && v <= 10) counts[Math.Min(39, (int)Math.Floor(v / 0.25))]++;
        return counts;
    }

    private static double[,] Affine(double[,] x, double[,] w, double[] b)
    {
        var y = new double[x.GetLength(0), w.GetLength(0)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int o = 0; o < w.GetLength(0); o++)
            {
                y[i, o] = b[o];
                for (int k = 0; k < w.GetLength(1); k++) y[i, o] += x[i, k] * w[o, k];
            }
        return y;
    }

    private static double[,] Relu(double[,] x)
    {
        var y = (double[,])x.Clone();
        for (int i = 0; i < y.GetLength(0); i++)
            for (int j = 0; j < y.GetLength(1); j++) y[i, j] = Math.Max(0, y[i, j]);
        return y;
    }

    /// <summary>The forward hooks TorchSharp holds for <paramref name="module"/> (its protected post_hooks table).</summary>
    internal static int ForwardHookCount(nn.Module module)
    {
        for (var type = module.GetType(); type is not null; type = type.BaseType)
            if (type.GetField("post_hooks", BindingFlags.NonPublic | BindingFlags.Instance) is { } field)
                return ((ICollection)field.GetValue(module)!).Count;
        throw new InvalidOperationException("TorchSharp's module keeps its hooks elsewhere in this version; update the test.");
    }
}

/// <summary>Counts, in the middle of the fit, the forward hooks on the known model's two linear layers.</summary>
internal sealed partial class HookProbe : Callback
{
    public int[] HooksDuringFit { get; private set; } = [];

    [Event]
    void AfterTrain(Learner learn)
    {
        var model = (Sequential)learn.Model;
        HooksDuringFit = [ActivationStatsTests.ForwardHookCount((nn.Module)model[0]), ActivationStatsTests.ForwardHookCount((nn.Module)model[2])];
    }
}
