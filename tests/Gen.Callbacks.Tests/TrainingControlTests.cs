using System;
using System.IO;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>GradientClip, GradientAccumulation and BnFreeze on small real models, against hand computations.</summary>
public partial class TrainingControlTests
{
    /// <summary>y = x W + b + noise over <paramref name="n"/> samples of 3 features, 2 outputs; no shuffling unless asked.</summary>
    private static DataLoaders Regression(int n, int bs, bool shuffle = false, int outputs = 2)
    {
        var generator = new Generator(7);
        var x = randn(n, 3, generator: generator);
        var y = x.matmul(randn(3, outputs, generator: generator)) + 0.5 + 0.1 * randn(n, outputs, generator: generator);
        return new DataLoaders(new DataLoader(x, y, bs, shuffle: shuffle, seed: 3), new DataLoader(x, y, bs));
    }

    private static Learner LinearLearner(DataLoaders dls, OptimizerFactory? optFunc = null, double lr = 0.1, params Callback[] cbs)
    {
        manual_seed(0);
        return new Learner(nn.Linear(3, dls.Train.Batch(0).Y.shape[1]), dls, (p, t) => nn.functional.mse_loss(p, t),
                           optFunc ?? TorchOptimizer.Sgd(), lr: lr, cbs: [Progress.Quiet(), .. cbs]);
    }

    private static double[][] Grads(nn.Module model) =>
        model.parameters().Select(p => { using var g = p.grad!; return g.data<float>().Select(v => (double)v).ToArray(); }).ToArray();

    private static double[][] Weights(nn.Module model) =>
        model.parameters().Select(p => p.data<float>().Select(v => (double)v).ToArray()).ToArray();

    private static void AssertClose(double[][] expected, double[][] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (int j = 0; j < expected[i].Length; j++) Assert.True(Math.Abs(expected[i][j] - actual[i][j]) <= tolerance,
                $"tensor {i} element {j}: expected {expected[i][j]}, got {actual[i][j]}");
        }
    }

    // ---- GradientClip ----

    [RunBefore(typeof(GradientClip))]
    private sealed partial class GradsBeforeClip : Callback
    {
        public List<double[][]> Seen { get; } = [];
        [Event] void BeforeStep(Learner learn) => Seen.Add(Grads(learn.Model));
    }

    [RunAfter(typeof(GradientClip))]
    private sealed partial class GradsAndWeightsAfterClip : Callback
    {
        public List<double[][]> Grads { get; } = [];
        public List<double[][]> Before { get; } = [];
        public List<double[][]> After { get; } = [];
        [Event] void BeforeStep(Learner learn) { Grads.Add(TrainingControlTests.Grads(learn.Model)); Before.Add(Weights(learn.Model)); }
        [Event] void AfterStep(Learner learn) => After.Add(Weights(learn.Model));
    }

    [Theory]
    [InlineData(0.05, 2.0)]
    [InlineData(0.05, 1.0)]
    [InlineData(0.05, double.PositiveInfinity)]
    [InlineData(1000.0, 2.0)]   // above the norm: nothing changes
    public void GradientClip_scales_the_gradients_to_max_norm_as_torch(double maxNorm, double normType)
    {
        var (before, after) = (new GradsBeforeClip(), new GradsAndWeightsAfterClip());
        var clip = new GradientClip(maxNorm, normType);
        using var learn = LinearLearner(Regression(8, 8), cbs: [clip, before, after]);
        learn.Fit(1);

        var raw = before.Seen[0];
        var all = raw.SelectMany(g => g).ToArray();
        double norm = double.IsPositiveInfinity(normType) ? all.Max(Math.Abs) : Math.Pow(all.Sum(g => Math.Pow(Math.Abs(g), normType)), 1 / normType);
        double coef = Math.Min(1, maxNorm / (norm + 1e-6));   // torch: max_norm / (total_norm + 1e-6), clamped to 1
        Assert.True(Math.Abs(norm - clip.LastTotalNorm) <= 1e-6 * norm, $"total norm {clip.LastTotalNorm}, by hand {norm}");
        if (maxNorm < 1) Assert.True(coef < 0.5, "the test's gradients should be clipped");
        AssertClose(raw.Select(g => g.Select(v => v * coef).ToArray()).ToArray(), after.Grads[0], 1e-6);
    }

    [Fact]
    public void GradientClip_by_value_clamps_every_element()
    {
        var (before, after) = (new GradsBeforeClip(), new GradsAndWeightsAfterClip());
        using var learn = LinearLearner(Regression(8, 8), cbs: [GradientClip.ByValue(0.5), before, after]);
        learn.Fit(1);
        var raw = before.Seen[0];
        Assert.Contains(raw.SelectMany(g => g), g => Math.Abs(g) > 0.5);   // something to clip
        AssertClose(raw.Select(g => g.Select(v => Math.Clamp(v, -0.5, 0.5)).ToArray()).ToArray(), after.Grads[0], 0);
    }

    [Fact]
    public void A_gen_optimizer_steps_with_the_clipped_gradients_of_its_flat_buffers()
    {
        var after = new GradsAndWeightsAfterClip();
        using var learn = LinearLearner(Regression(12, 4), Optimizers.Sgd(), lr: 0.1, cbs: [new GradientClip(0.05), after]);
        learn.Fit(1);
        Assert.Equal(3, after.After.Count);
        for (int b = 0; b < 3; b++)   // from the second step on, the gradients are views of the optimizer's flat buffer
        {
            var expected = after.Before[b].Select((w, i) => w.Select((v, j) => v - 0.1 * after.Grads[b][i][j]).ToArray()).ToArray();
            AssertClose(expected, after.After[b], 1e-6);
            Assert.True(Math.Sqrt(after.Grads[b].SelectMany(g => g).Sum(g => g * g)) <= 0.05 + 1e-6);
        }
    }

    [Fact]
    public void GradientClip_refuses_bad_bounds()
    {
        Assert.Contains("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => new GradientClip(0)).Message);
        Assert.Contains("normType", Assert.Throws<ArgumentOutOfRangeException>(() => new GradientClip(1, -2)).Message);
        Assert.Contains("positive", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClip.ByValue(double.NaN)).Message);
        Assert.Equal(11, new GradientClip().Order);   // fastai: MixedPrecision.order + 1
    }

    // ---- GradientAccumulation ----

    [RunAfter(typeof(GradientAccumulation))]
    private sealed partial class AccumulationSpy : Callback
    {
        public List<double> PredLosses { get; } = [];
        public List<double> ScaledLossGrads { get; } = [];
        public List<double> StepLossGrads { get; } = [];
        public List<int> SteppedAt { get; } = [];
        public List<double[][]> WeightsAfterBatch { get; } = [];

        [Event]
        void AfterPred(Learner learn)
        {
            if (!learn.Training) return;
            using var _ = no_grad();
            PredLosses.Add(nn.functional.mse_loss(learn.Pred!, learn.Yb!).item<float>());
        }

        [Event] void AfterLoss(Learner learn) { if (learn.Training) ScaledLossGrads.Add(learn.LossGrad!.item<float>()); }
        [Event] void BeforeStep(Learner learn) => StepLossGrads.Add(learn.LossGrad!.item<float>());
        [Event] void AfterStep(Learner learn) => SteppedAt.Add(learn.Iter);
        [Event] void AfterBatch(Learner learn) { if (learn.Training) WeightsAfterBatch.Add(Weights(learn.Model)); }
    }

    [Fact]
    public void Four_accumulated_batches_make_one_sgd_step_on_the_mean_gradient_of_their_samples()
    {
        var dls = Regression(16, 4, shuffle: true);
        var spy = new AccumulationSpy();
        var accumulation = new GradientAccumulation(nAcc: 16);
        using var learn = LinearLearner(dls, Optimizers.Sgd(), lr: 0.1, cbs: [accumulation, spy]);
        var start = Weights(learn.Model);

        // Independently: the same weights, one forward and backward over all 16 samples, one SGD step.
        var reference = nn.Linear(3, 2);
        using (no_grad()) foreach (var (p, w) in reference.parameters().Zip(learn.Model.parameters())) p.copy_(w);
        // A loader reuses its batch buffers: each batch is cloned before the next is drawn.
        var (x, y) = (cat(Enumerable.Range(0, 4).Select(i => dls.Train.Batch(i).X.clone()).ToList(), 0),
                      cat(Enumerable.Range(0, 4).Select(i => dls.Train.Batch(i).Y.clone()).ToList(), 0));
        nn.functional.mse_loss(reference.forward(x), y).backward();
        var expected = Weights(reference).Select((w, i) => w.Zip(Grads(reference)[i], (v, g) => v - 0.1 * g).ToArray()).ToArray();

        learn.Fit(1);
        Assert.Equal([3], spy.SteppedAt);
        for (int b = 0; b < 3; b++) AssertClose(start, spy.WeightsAfterBatch[b], 0);   // no step before the 16th sample
        AssertClose(expected, Weights(learn.Model), 1e-6);
        Assert.Equal(0, accumulation.Count);
    }

    [Fact]
    public void The_recorder_logs_each_batchs_own_loss_while_the_backward_loss_is_scaled()
    {
        var spy = new AccumulationSpy();
        var recorder = new Recorder();
        using var learn = LinearLearner(Regression(16, 4), cbs: [new GradientAccumulation(nAcc: 16), spy, recorder]);
        learn.Fit(2);
        Assert.Equal(8, recorder.BatchLosses.Count);
        for (int b = 0; b < 8; b++)
        {
            Assert.Equal(spy.PredLosses[b], recorder.BatchLosses[b], 5);
            Assert.Equal(spy.PredLosses[b] / 4, spy.ScaledLossGrads[b], 5);   // loss_grad / (n_acc / bs)
        }
        // before_step scales loss_grad back (fastai: "log correct loss"); it runs on the stepping batches only.
        Assert.Equal(2, spy.StepLossGrads.Count);
        Assert.Equal(spy.PredLosses[3], spy.StepLossGrads[0], 5);
        Assert.Equal(spy.PredLosses[7], spy.StepLossGrads[1], 5);
    }

    [Fact]
    public void LrFind_runs_with_gradient_accumulation_and_puts_the_model_back()
    {
        var accumulation = new GradientAccumulation(nAcc: 8);
        using var learn = LinearLearner(Regression(16, 4, shuffle: true), Optimizers.Sgd(), cbs: [accumulation]);
        var start = Weights(learn.Model);
        learn.LrFind(numIt: 20);
        AssertClose(start, Weights(learn.Model), 0);
        var recorder = learn.Get<Recorder>()!;
        Assert.Equal(20, recorder.Lrs.Count);
        Assert.True(recorder.Losses.All(double.IsFinite));
    }

    /// <summary>Saves a checkpoint at the end of epoch 0.</summary>
    private sealed partial class SaveAfterFirstEpoch(string path) : Callback
    {
        [Event] void AfterEpoch(Learner learn) { if (learn.Epoch == 0) learn.Save(path); }
    }

    [Fact]
    public void A_fit_resumed_mid_accumulation_steps_with_the_saved_count_and_gradients_as_the_whole_fit()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("gen-acc-").FullName, "acc.ckpt");
        var whole = new GradientAccumulation(nAcc: 12);
        using var uninterrupted = LinearLearner(Regression(16, 4), cbs: [whole, new SaveAfterFirstEpoch(path)]);
        uninterrupted.Fit(2);   // batches of 4: 4, 8, 12 -> step, 4 | 8, 12 -> step, 4, 8

        var resumed = new GradientAccumulation(nAcc: 12);
        using var learn = LinearLearner(Regression(16, 4), cbs: [resumed]);
        learn.Load(path);
        Assert.Equal(4, resumed.Count);   // mid-accumulation, with the gradients of the epoch's last batch
        learn.Fit(2, startEpoch: 1);

        Assert.Equal(8, resumed.Count);
        AssertClose(Weights(uninterrupted.Model), Weights(learn.Model), 0);
        var other = new GradientAccumulation(nAcc: 32);
        Assert.Contains("nAcc: 12", Assert.Throws<CheckpointException>(() => LinearLearner(Regression(16, 4), cbs: [other]).Load(path)).Message);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void GradientAccumulation_has_fastais_order_and_refuses_a_zero_count()
    {
        Assert.Equal(6, new GradientAccumulation().Order);   // MixedPrecision's 10 - 4
        Assert.Equal(32, new GradientAccumulation().NAcc);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientAccumulation(0));
    }

    // ---- BnFreeze ----

    [RunAfter(typeof(BnFreeze))]
    private sealed partial class ModeSpy(BatchNorm1d frozen, BatchNorm1d trained) : Callback
    {
        public List<(bool Frozen, bool Trained)> TrainingModes { get; } = [];
        [Event] void BeforeBatch(Learner learn) { if (learn.Training) TrainingModes.Add((frozen.training, trained.training)); }
    }

    private static (double[] Mean, double[] Var) Stats(BatchNorm1d bn) =>
        (bn.running_mean!.data<float>().Select(v => (double)v).ToArray(), bn.running_var!.data<float>().Select(v => (double)v).ToArray());

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BnFreeze_keeps_the_running_stats_of_frozen_batchnorm_layers(bool withBnFreeze)
    {
        manual_seed(1);
        var (frozen, trained) = (nn.BatchNorm1d(4), nn.BatchNorm1d(4));
        var model = nn.Sequential(nn.Linear(3, 4), frozen, nn.Linear(4, 4), trained, nn.Linear(4, 1));
        foreach (var p in frozen.parameters()) p.requires_grad_(false);
        var (frozenBefore, trainedBefore) = (Stats(frozen), Stats(trained));
        var spy = new ModeSpy(frozen, trained);
        using var learn = new Learner(model, Regression(16, 4, outputs: 1), (p, t) => nn.functional.mse_loss(p, t), TorchOptimizer.Sgd(), lr: 0.01,
                                      cbs: withBnFreeze ? [Progress.Quiet(), new BnFreeze(), spy] : [Progress.Quiet(), spy]);
        learn.Fit(2);

        Assert.NotEqual(trainedBefore.Mean, Stats(trained).Mean);
        Assert.NotEqual(trainedBefore.Var, Stats(trained).Var);
        Assert.All(spy.TrainingModes, m => Assert.Equal((!withBnFreeze, true), m));
        if (withBnFreeze)
        {
            Assert.Equal(frozenBefore.Mean, Stats(frozen).Mean);
            Assert.Equal(frozenBefore.Var, Stats(frozen).Var);
        }
        else Assert.NotEqual(frozenBefore.Mean, Stats(frozen).Mean);   // the control: without BnFreeze the stats move
    }
}
