using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using Gen.Internals;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>
/// MixedPrecision on small real models: the step against a hand-written bfloat16 forward/backward with a float32 update,
/// torch's GradScaler rules, dtypes during and after the fit, the optimizer state across the switch, gradient
/// accumulation in either order, and a resumed fit that ends bit for bit where the uninterrupted one does.
/// </summary>
public partial class MixedPrecisionTests
{
    private static DataLoaders Data(Tensor x, Tensor y, int bs) => new(new DataLoader(x, y, bs), new DataLoader(x, y, bs));

    private static DataLoaders Regression(int n, int bs, double inputScale = 1)
    {
        var generator = new Generator(7);
        var x = randn(n, 3, generator: generator) * inputScale;
        var y = x.matmul(randn(3, 2, generator: generator)) + 0.5;
        return Data(x, y, bs);
    }

    private static Learner Make(nn.Module<Tensor, Tensor> model, DataLoaders dls, OptimizerFactory? optFunc = null, double lr = 0.1, params Callback[] cbs) =>
        new(model, dls, (p, t) => nn.functional.mse_loss(p, t), optFunc ?? Optimizers.Sgd(), lr: lr, cbs: [Progress.Quiet(), .. cbs]);

    private static nn.Module<Tensor, Tensor> Linear()
    {
        manual_seed(0);
        return nn.Linear(3, 2);
    }

    private static nn.Module<Tensor, Tensor> WithBatchNorm()
    {
        manual_seed(0);
        return nn.Sequential(("lin1", nn.Linear(3, 8)), ("bn", nn.BatchNorm1d(8)), ("relu", nn.ReLU()), ("lin2", nn.Linear(8, 2)));
    }

    private static float[][] Weights(nn.Module model) => model.parameters().Select(p => p.data<float>().ToArray()).ToArray();

    private static void AssertClose(float[][] expected, float[][] actual, double tolerance)
    {
        for (int i = 0; i < expected.Length; i++)
            for (int j = 0; j < expected[i].Length; j++)
                Assert.True(Math.Abs(expected[i][j] - actual[i][j]) <= tolerance, $"tensor {i} element {j}: expected {expected[i][j]}, got {actual[i][j]}");
    }

    private static double MaxDifference(float[][] a, float[][] b) => a.Zip(b, (x, y) => x.Zip(y, (u, v) => (double)Math.Abs(u - v)).Max()).Max();

    [Fact]
    public void A_bf16_step_updates_float32_masters_with_the_bfloat16_gradient()
    {
        var generator = new Generator(3);
        var (x, y) = (randn(4, 3, generator: generator), randn(4, 2, generator: generator));
        using var learn = Make(Linear(), Data(x, y, 4), lr: 0.5, cbs: new MixedPrecision());
        var start = learn.Model.parameters().Select(p => p.detach().clone()).ToArray();
        learn.Fit(1, wd: 0);   // one batch: one step

        // By hand: the same forward and backward on a bfloat16 copy, the update in float32 from the float32 weights.
        var copy = nn.Linear(3, 2);
        using (no_grad()) { copy.weight!.copy_(start[0]); copy.bias!.copy_(start[1]); }
        copy.to(ScalarType.BFloat16);
        nn.functional.mse_loss(copy.call(x.to(ScalarType.BFloat16)).to(ScalarType.Float32), y).backward();
        var bf16Grads = new[] { copy.weight!.grad!, copy.bias!.grad! }.Select(g => g.to(ScalarType.Float32)).ToArray();
        var expected = start.Zip(bf16Grads, (w, g) => (w - 0.5 * g).data<float>().ToArray()).ToArray();

        // And what a float32 step would have given, to show that the difference is seen.
        var full = nn.Linear(3, 2);
        using (no_grad()) { full.weight!.copy_(start[0]); full.bias!.copy_(start[1]); }
        nn.functional.mse_loss(full.call(x), y).backward();
        var float32 = start.Zip(new[] { full.weight!.grad!, full.bias!.grad! }, (w, g) => (w - 0.5 * g).data<float>().ToArray()).ToArray();

        var actual = Weights(learn.Model);
        AssertClose(expected, actual, 1e-6);
        Assert.True(MaxDifference(float32, actual) > 1e-4, "bfloat16 gradients should differ visibly from float32 ones");
        Assert.All(learn.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    /// <summary>Records dtypes inside the fit, after MixedPrecision's handlers.</summary>
    [RunAfter(typeof(MixedPrecision))]
    private sealed partial class DtypeSpy : Callback
    {
        public HashSet<string> Seen { get; } = [];

        [Event] void BeforeBatch(Learner learn) => Seen.Add($"xb {learn.Xb!.dtype}");

        [Event] void AfterPred(Learner learn) => Seen.Add($"pred {learn.Pred!.dtype}");

        [Event]
        void AfterBatch(Learner learn)
        {
            foreach (var (name, p) in learn.Model.named_parameters()) Seen.Add($"{name} {p.dtype}");
            foreach (var (name, b) in learn.Model.named_buffers()) Seen.Add($"{name} {b.dtype}");
        }
    }

    [Fact]
    public void During_the_fit_layers_run_in_low_precision_with_batchnorm_in_float32_and_after_it_all_is_float32()
    {
        var spy = new DtypeSpy();
        using var learn = Make(WithBatchNorm(), Regression(16, 4), cbs: [new MixedPrecision(), spy]);
        learn.Fit(1);
        Assert.Subset(spy.Seen, new HashSet<string>
        {
            "xb BFloat16", "pred Float32", "lin1.weight BFloat16", "lin2.bias BFloat16",
            "bn.weight Float32", "bn.bias Float32", "bn.running_mean Float32", "bn.running_var Float32",
        });
        Assert.DoesNotContain("lin1.weight Float32", spy.Seen);
        Assert.All(learn.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.True(learn.Get<Recorder>()!.Losses.All(double.IsFinite));
    }

    [Fact]
    public void The_optimizer_state_carries_across_the_switch_to_masters_and_back()
    {
        // Adam's step count: 4 steps per epoch, over two fits and an uninterrupted look at the state in between.
        using var learn = Make(WithBatchNorm(), Regression(16, 4), Optimizers.Adam(), lr: 1e-3, cbs: new MixedPrecision());
        learn.Fit(1);
        Assert.All(learn.Opt!.StateDict().Params, p => Assert.Equal(4.0, p.PerTensor["step"]));
        learn.Fit(1);
        Assert.All(learn.Opt!.StateDict().Params, p => Assert.Equal(8.0, p.PerTensor["step"]));
        learn.Fit(1, cbs: []);   // MixedPrecision is still there: the state keeps counting
        Assert.All(learn.Opt!.StateDict().Params, p => Assert.Equal(12.0, p.PerTensor["step"]));
    }

    [Fact]
    public void fp16_skips_a_step_whose_scaled_gradients_overflow_and_halves_the_scale()
    {
        // Inputs of 100: the scaled gradient of the prediction (2 (pred - y) / n x 65536) is beyond float16's 65504.
        var x = full(4, 3, 100f);
        var y = zeros(4, 2);
        var precision = new MixedPrecision(ScalarType.Float16);
        using var learn = Make(Linear(), Data(x, y, 4), cbs: precision);
        var start = Weights(learn.Model);
        learn.Fit(1);
        Assert.Equal(start, Weights(learn.Model));   // skipped: the weights are those before the fit (float16 round trip aside)
        Assert.Equal(32768, precision.Scaler!.Scale);
        Assert.Equal(0, precision.Scaler.CleanSteps);   // a skipped step is not a clean one
        Assert.Equal(1, precision.SkippedSteps);
    }

    [Fact]
    public void fp16_keeps_halving_the_scale_while_every_step_overflows()
    {
        // With growth after every clean step, counting a skipped step as clean would double the scale back each time.
        var precision = new MixedPrecision(ScalarType.Float16, new LossScaler(growthInterval: 1));
        using var learn = Make(Linear(), Data(full(4, 3, 1000f), zeros(4, 2), 4), cbs: precision);
        learn.Fit(3);
        Assert.Equal(3, precision.SkippedSteps);
        Assert.Equal(65536.0 / 8, precision.Scaler!.Scale);
    }

    [Fact]
    public void fp16_unscales_the_gradients_and_grows_the_scale_after_clean_steps()
    {
        var precision = new MixedPrecision(ScalarType.Float16, new LossScaler(initScale: 8, growthInterval: 3));
        using var mixed = Make(Linear(), Regression(16, 4), cbs: precision);
        mixed.Fit(2, wd: 0);   // 8 clean steps: grows after steps 3 and 6
        Assert.Equal(32, precision.Scaler!.Scale);
        Assert.Equal(2, precision.Scaler.CleanSteps);
        Assert.Equal(0, precision.SkippedSteps);

        using var reference = Make(Linear(), Regression(16, 4));
        reference.Fit(2, wd: 0);
        // Unscaled updates stay within float16's rounding of the float32 fit; unscaled by 8..32 they would be far off.
        AssertClose(Weights(reference.Model), Weights(mixed.Model), 2e-2);
    }

    /// <summary>Makes the optimizer's fused kernel take its runs in pieces of a few elements.</summary>
    private sealed partial class ShortRuns : Callback
    {
        [Event] void BeforeTrain(Learner learn) => learn.Opt!.Fused!.MaxRunLength = 5;
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, false)]
    [InlineData(ScalarType.Float16, false)]
    [InlineData(ScalarType.BFloat16, true)]
    public void The_fused_kernel_step_equals_copying_around_the_ordinary_step_bit_for_bit(ScalarType dtype, bool inPieces)
    {
        (float[][] Weights, int Fused) Run(bool fused)
        {
            var precision = new MixedPrecision(dtype) { FusedStep = fused };
            Callback[] cbs = fused && inPieces ? [precision, new ShortRuns()] : [precision];
            using var learn = Make(WithBatchNorm(), Regression(64, 8), Optimizers.Adam(), lr: 1e-2, cbs: cbs);
            learn.FitOneCycle(3);
            return (Weights(learn.Model), precision.FusedParameters);
        }
        var (fusedWeights, fusedCount) = Run(fused: true);
        var (copiedWeights, copiedCount) = Run(fused: false);
        Assert.Equal(4, fusedCount);   // both Linear layers' weights and biases; BatchNorm's stay float32 and are copied
        Assert.Equal(0, copiedCount);
        Assert.Equal(copiedWeights, fusedWeights);
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void The_kernels_16_bit_conversions_round_as_libtorch_does(ScalarType dtype)
    {
        var format = dtype == ScalarType.BFloat16 ? LowPrecisionFormat.BFloat16 : LowPrecisionFormat.Float16;
        var generator = new Generator(5);
        float[] special = [0f, -0f, 1f, 1.00390625f, 1.01171875f, 1.0009765625f, 1.0029296875f, 65504f, 65520f, 1e-8f, 6e-8f, 1e-40f,
                           float.MaxValue, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        var values = special.Concat((randn(4000, generator: generator) * exp(randn(4000, generator: generator) * 8)).data<float>().ToArray()).ToArray();
        var expected = tensor(values).to(dtype).to(ScalarType.Float32).data<float>().ToArray();
        var actual = values.Select(v => LowPrecision.ToSingle(LowPrecision.FromSingle(v, format), format)).ToArray();
        for (int i = 0; i < values.Length; i++)
            Assert.True(expected[i].Equals(actual[i]), $"{values[i]:R}: libtorch gives {expected[i]:R}, the kernel {actual[i]:R}");
    }

    [Fact]
    public void LossScaler_follows_torchs_growth_and_backoff_rules()
    {
        var scaler = new LossScaler(initScale: 4, growthInterval: 2);
        scaler.Update(foundInf: false);
        Assert.Equal((4.0, 1), (scaler.Scale, scaler.CleanSteps));
        scaler.Update(foundInf: false);
        Assert.Equal((8.0, 0), (scaler.Scale, scaler.CleanSteps));
        scaler.Update(foundInf: false);
        scaler.Update(foundInf: true);
        Assert.Equal((4.0, 0), (scaler.Scale, scaler.CleanSteps));
        Assert.Equal(65536, new LossScaler().Scale);
        Assert.Equal(2000, new LossScaler().GrowthInterval);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LossScaler(backoffFactor: 1));
    }

    [Fact]
    public void Gradient_accumulation_gives_the_same_fit_whichever_is_added_first()
    {
        float[][] Run(bool precisionFirst)
        {
            Callback[] cbs = precisionFirst ? [new MixedPrecision(), new GradientAccumulation(8)] : [new GradientAccumulation(8), new MixedPrecision()];
            using var learn = Make(WithBatchNorm(), Regression(16, 4), Optimizers.Adam(), lr: 1e-2, cbs: cbs);
            learn.Fit(2);
            Assert.All(learn.Opt!.StateDict().Params, p => Assert.Equal(4.0, p.PerTensor["step"]));   // 2 steps of 8 samples per epoch
            return Weights(learn.Model);
        }
        Assert.Equal(Run(precisionFirst: true), Run(precisionFirst: false));
    }

    [Fact]
    public void A_callback_that_reads_the_gradients_at_before_step_gets_the_masters_gradients()
    {
        // GradientClip (order 11, after MixedPrecision) clips the masters' float32 gradients: the fused kernel, which reads
        // the low-precision ones inside the step, would leave it nothing to clip, so such a fit copies them.
        (float[][] Weights, int Fused, double Norm) Run(bool fusedStep)
        {
            var precision = new MixedPrecision() { FusedStep = fusedStep };
            var clip = new GradientClip(1e-3);
            using var learn = Make(WithBatchNorm(), Regression(64, 8), Optimizers.Sgd(), lr: 1e-1, cbs: [precision, clip]);
            learn.Fit(2);
            return (Weights(learn.Model), precision.FusedParameters, clip.LastTotalNorm);
        }
        var (weights, fused, norm) = Run(fusedStep: true);
        var (copied, _, copiedNorm) = Run(fusedStep: false);
        Assert.Equal(0, fused);
        Assert.Equal(copiedNorm, norm);
        Assert.Equal(copied, weights);

        using var unclipped = Make(WithBatchNorm(), Regression(64, 8), Optimizers.Sgd(), lr: 1e-1, cbs: [new MixedPrecision()]);
        unclipped.Fit(2);
        Assert.NotEqual(Weights(unclipped.Model), weights);   // the clip did act
    }

    /// <summary>After each training batch, whether the body's weights differ from <paramref name="start"/>.</summary>
    private sealed partial class BodyMoved(Linear body, float[] start) : Callback
    {
        public List<bool> Moved { get; } = [];

        [Event]
        void AfterBatch(Learner learn)
        {
            if (learn.Training) Moved.Add(!body.weight!.to(ScalarType.Float32).data<float>().ToArray().SequenceEqual(start));
        }
    }

    [Fact]
    public void FineTune_in_mixed_precision_keeps_the_frozen_body_and_then_trains_it()
    {
        manual_seed(0);
        var body = nn.Linear(3, 8);
        var head = nn.Linear(8, 2);
        using var learn = new Learner(nn.Sequential(body, nn.ReLU(), head), Regression(16, 4), (p, t) => nn.functional.mse_loss(p, t),
                                      Optimizers.Adam(), lr: 1e-2, cbs: [Progress.Quiet(), new MixedPrecision()],
                                      splitter: _ => new IEnumerable<Parameter>[] { body.parameters(), head.parameters() });
        var start = body.weight!.to(ScalarType.BFloat16).to(ScalarType.Float32).data<float>().ToArray();   // as the bf16 model holds it
        var watch = new BodyMoved(body, start);
        learn.FineTune(epochs: 1, baseLr: 1e-2, freezeEpochs: 1, cbs: [watch]);
        Assert.Equal(Enumerable.Repeat(false, 4), watch.Moved.Take(4));   // frozen phase: 4 batches
        Assert.True(watch.Moved.Skip(4).Last());                          // unfrozen phase trained it
        Assert.All(learn.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    /// <summary>A metric whose value at the learner's k-th validation is values[k].</summary>
    private sealed class Scripted(params double[] values) : Metric
    {
        private int _phases;
        public override string Name => "accuracy";
        public override void Reset() => _phases++;
        public override void Accumulate(Learner learn) { }
        public override double Value => values[_phases - 1];
    }

    /// <summary>The optimizer's float32 masters at the end of every epoch.</summary>
    private sealed partial class MastersPerEpoch : Callback
    {
        public List<float[][]> Snapshots { get; } = [];
        [Event] void AfterEpoch(Learner learn) => Snapshots.Add(learn.Opt!.Fused!.Parameters.Select(p => p.data<float>().ToArray()).ToArray());
    }

    [Fact]
    public void SaveModel_in_mixed_precision_brings_back_the_best_epochs_exact_float32_weights()
    {
        var folder = Directory.CreateTempSubdirectory("gen-mp-best-");
        var masters = new MastersPerEpoch();
        var saver = new SaveModel("accuracy", path: Path.Combine(folder.FullName, "best.ckpt")) { Output = null };
        using var learn = new Learner(Linear(), Regression(16, 4), (p, t) => nn.functional.mse_loss(p, t), Optimizers.Adam(), lr: 1e-2,
                                      metrics: [new Scripted(0.5, 0.7, 0.6)], cbs: [Progress.Quiet(), new MixedPrecision(), saver, masters]);
        learn.Fit(3);
        Assert.NotEqual(masters.Snapshots[1], masters.Snapshots[2]);
        Assert.Equal(masters.Snapshots[1], Weights(learn.Model));   // exact, not rounded to bfloat16
        folder.Delete(recursive: true);
    }

    /// <summary>Unfreezes the learner at the start of epoch <paramref name="epoch"/>.</summary>
    private sealed partial class UnfreezeAt(int epoch) : Callback
    {
        [Event] void BeforeEpoch(Learner learn) { if (learn.Epoch == epoch) learn.Unfreeze(); }
    }

    [Fact]
    public void Unfreezing_during_a_mixed_precision_fit_trains_the_body_from_then_on()
    {
        manual_seed(0);
        var body = nn.Linear(3, 8);
        var head = nn.Linear(8, 2);
        using var learn = new Learner(nn.Sequential(body, nn.ReLU(), head), Regression(16, 4), (p, t) => nn.functional.mse_loss(p, t),
                                      Optimizers.Adam(), lr: 1e-2, cbs: [Progress.Quiet(), new MixedPrecision()],
                                      splitter: _ => new IEnumerable<Parameter>[] { body.parameters(), head.parameters() });
        learn.Freeze();
        var start = body.weight!.to(ScalarType.BFloat16).to(ScalarType.Float32).data<float>().ToArray();
        var watch = new BodyMoved(body, start);
        learn.Fit(2, cbs: [watch, new UnfreezeAt(1)]);
        Assert.Equal(Enumerable.Repeat(false, 4), watch.Moved.Take(4));   // epoch 0: frozen
        Assert.True(watch.Moved.Last());                                  // epoch 1: unfrozen mid-fit, trained
    }

    [Fact]
    public void LrFind_runs_in_mixed_precision_and_leaves_a_float32_model()
    {
        using var learn = Make(WithBatchNorm(), Regression(16, 4), Optimizers.Adam(), cbs: new MixedPrecision());
        learn.LrFind(numIt: 12);
        Assert.Equal(12, learn.Get<Recorder>()!.Lrs.Count);
        Assert.All(learn.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        learn.Fit(1);
        Assert.True(learn.Get<Recorder>()!.Losses.All(double.IsFinite));
    }

    /// <summary>Saves a checkpoint at the end of epoch 0.</summary>
    private sealed partial class SaveAfterFirstEpoch(string path) : Callback
    {
        [Event] void AfterEpoch(Learner learn) { if (learn.Epoch == 0) learn.Save(path); }
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void A_fit_resumed_from_a_mid_fit_checkpoint_ends_bit_for_bit_where_the_whole_fit_does(ScalarType dtype)
    {
        var folder = Directory.CreateTempSubdirectory("gen-mp-");
        var path = Path.Combine(folder.FullName, "mp.ckpt");
        var whole = new MixedPrecision(dtype);
        using var uninterrupted = Make(WithBatchNorm(), Regression(16, 4), Optimizers.Adam(), lr: 1e-2, cbs: [whole, new SaveAfterFirstEpoch(path)]);
        uninterrupted.FitOneCycle(2);

        var resumed = new MixedPrecision(dtype);
        using var learn = Make(WithBatchNorm(), Regression(16, 4), Optimizers.Adam(), lr: 1e-2, cbs: resumed);
        learn.Load(path);
        learn.FitOneCycle(2, startEpoch: 1);

        Assert.Equal(Weights(uninterrupted.Model), Weights(learn.Model));
        Assert.Equal(whole.Scaler?.Scale, resumed.Scaler?.Scale);
        var other = dtype == ScalarType.BFloat16 ? ScalarType.Float16 : ScalarType.BFloat16;
        using var mismatched = Make(WithBatchNorm(), Regression(16, 4), Optimizers.Adam(), cbs: new MixedPrecision(other));
        Assert.Contains($"make it with {dtype}", Assert.Throws<CheckpointException>(() => mismatched.Load(path)).Message);
        folder.Delete(recursive: true);
    }

    [Fact]
    public void Unsupported_setups_are_refused_with_the_fix()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MixedPrecision(ScalarType.Float32));
        using var torchOpt = Make(Linear(), Regression(8, 4), TorchOptimizer.Sgd(), cbs: new MixedPrecision());
        Assert.Contains("Use one of Gen's optimizers", Assert.Throws<InvalidOperationException>(() => torchOpt.Fit(1)).Message);
        manual_seed(0);
        using var doubles = Make(nn.Linear(3, 2).to(ScalarType.Float64), Data(randn(8, 3, dtype: ScalarType.Float64), randn(8, 2, dtype: ScalarType.Float64), 4),
                                 cbs: new MixedPrecision());
        Assert.Contains("Create the model in float32", Assert.Throws<InvalidOperationException>(() => doubles.Fit(1)).Message);
    }
}
