using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>MixUp and CutMix against a second, element-by-element computation of the mixed inputs and loss.</summary>
public partial class MixTrainingControlTests
{
    private const int Bs = 4, C = 2, H = 5, W = 6, Classes = 3;

    private static (Tensor X, Tensor Y) Data(bool floatTargets)
    {
        var generator = new Generator(21);
        var x = randn(16, C, H, W, generator: generator);
        var y = floatTargets ? randn(16, 2, generator: generator) : randint(0, Classes, [16], generator: generator);
        return (x, y);
    }

    private static Learner Classifier(Tensor x, Tensor y, params Callback[] cbs)
    {
        manual_seed(0);
        var dls = new DataLoaders(new DataLoader(x, y, Bs), new DataLoader(x, y, 8));
        int outputs = y.is_floating_point() ? 2 : Classes;
        Func<Tensor, Tensor, Tensor> loss = y.is_floating_point() ? (p, t) => nn.functional.mse_loss(p, t) : (p, t) => nn.functional.cross_entropy(p, t);
        return new Learner(nn.Sequential(nn.Flatten(), nn.Linear(C * H * W, outputs)), dls, loss, TorchOptimizer.Sgd(), lr: 0.1, cbs: [Progress.Quiet(), .. cbs]);
    }

    private static void Near(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    private static double[] D(Tensor t) => t.detach().contiguous().to(float64).data<double>().ToArray();

    /// <summary>What a batch looked like before and after the mix handler, in plain arrays.</summary>
    private sealed record Seen(bool Training, byte[] RngState, double[] X, double[] Y, double[] MixedX, double[] MixedY, double[] Pred, double Loss,
                               double[] Lam, long[] Shuffle, (long, long, long, long) Box, bool LossIsLearners);

    [RunBefore(typeof(MixUp)), RunBefore(typeof(CutMix))]
    private sealed partial class Before : Callback
    {
        public List<(byte[] Rng, double[] X, double[] Y)> Raw { get; } = [];
        [Event] void BeforeBatch(Learner learn) => Raw.Add((get_rng_state().data<byte>().ToArray(), D(learn.Xb!), D(learn.Yb!)));
    }

    [RunAfter(typeof(MixUp)), RunAfter(typeof(CutMix))]
    private sealed partial class After(Before before, MixHandler mix, Func<Tensor, Tensor, Tensor> learnersLoss) : Callback
    {
        public List<Seen> Batches { get; } = [];
        private double[] _x = [], _y = [];
        [Event] void BeforeBatch(Learner learn) => (_x, _y) = (D(learn.Xb!), D(learn.Yb!));
        [Event]
        void AfterLoss(Learner learn)
        {
            var raw = before.Raw[^1];
            bool training = learn.Training;
            Batches.Add(new Seen(training, raw.Rng, raw.X, raw.Y, _x, _y, D(learn.Pred!), learn.Loss!.item<float>(),
                training ? D(mix.Lam!) : [], training ? mix.Shuffle!.data<long>().ToArray() : [],
                mix is CutMix cut && training ? cut.Box : default, ReferenceEquals(learn.LossFunc, learnersLoss)));
        }
    }

    private static (Before, After) Spies(MixHandler mix, Func<Tensor, Tensor, Tensor> loss) { var b = new Before(); return (b, new After(b, mix, loss)); }

    private static double CrossEntropy(double[] pred, int sample, long target)
    {
        var row = pred.Skip(sample * Classes).Take(Classes).ToArray();
        double max = row.Max(), logSum = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
        return logSum - row[target];
    }

    private static void Redraw(byte[] rngState) => set_rng_state(tensor(rngState));

    [Fact]
    public void MixUp_lerps_inputs_per_sample_and_mixes_the_per_sample_losses()
    {
        var (x, y) = Data(floatTargets: false);
        var mixUp = new MixUp();
        using var learn = Classifier(x, y);
        var loss = learn.LossFunc;
        var (before, after) = Spies(mixUp, loss);
        learn.Fit(1, cbs: [mixUp, before, after]);

        Assert.Same(loss, learn.LossFunc);   // put back after the fit
        var training = after.Batches.Where(b => b.Training).ToList();
        Assert.Equal(4, training.Count);
        foreach (var b in training)
        {
            // The same draws again from torch's global generator: Beta(0.4, 0.4) per sample, max(lam, 1 - lam), then randperm.
            Redraw(b.RngState);
            var drawn = D(distributions.Beta(tensor(0.4f), tensor(0.4f)).sample(Bs));
            var perm = randperm(Bs).data<long>().ToArray();
            Assert.Equal(perm, b.Shuffle);
            for (int i = 0; i < Bs; i++) Assert.Equal(Math.Max(drawn[i], 1 - drawn[i]), b.Lam[i], 6);
            Assert.All(b.Lam, l => Assert.InRange(l, 0.5, 1));

            int n = C * H * W;
            for (int i = 0; i < Bs; i++)
                for (int k = 0; k < n; k++)
                    Near(b.Lam[i] * b.X[i * n + k] + (1 - b.Lam[i]) * b.X[perm[i] * n + k], b.MixedX[i * n + k]);
            Assert.Equal(b.Y, b.MixedY);   // class targets are not mixed: the losses are
            double expected = Enumerable.Range(0, Bs).Average(i =>
                b.Lam[i] * CrossEntropy(b.Pred, i, (long)b.Y[i]) + (1 - b.Lam[i]) * CrossEntropy(b.Pred, i, (long)b.Y[perm[i]]));
            Near(expected, b.Loss);
            Assert.False(b.LossIsLearners);
        }
        foreach (var b in after.Batches.Where(b => !b.Training))   // validation: the batch and the loss are the Learner's own
        {
            Assert.Equal(b.X, b.MixedX);
            Assert.True(b.LossIsLearners);
            Near(Enumerable.Range(0, b.Y.Length).Average(i => CrossEntropy(b.Pred, i, (long)b.Y[i])), b.Loss);
        }
    }

    [Fact]
    public void MixUp_lerps_float_targets_and_keeps_the_learners_loss()
    {
        var (x, y) = Data(floatTargets: true);
        var mixUp = new MixUp(alpha: 1.0);
        using var learn = Classifier(x, y);
        var (before, after) = Spies(mixUp, learn.LossFunc);
        learn.Fit(1, cbs: [mixUp, before, after]);
        foreach (var b in after.Batches.Where(b => b.Training))
        {
            for (int i = 0; i < Bs; i++)
                for (int k = 0; k < 2; k++)
                    Near(b.Lam[i] * b.Y[i * 2 + k] + (1 - b.Lam[i]) * b.Y[b.Shuffle[i] * 2 + k], b.MixedY[i * 2 + k]);
            double mse = Enumerable.Range(0, Bs * 2).Average(j => Math.Pow(b.Pred[j] - b.MixedY[j], 2));
            Near(mse, b.Loss);
        }
    }

    [Fact]
    public void CutMix_pastes_a_box_and_weighs_the_losses_by_the_area_left()
    {
        var (x, y) = Data(floatTargets: false);
        var xBefore = D(x);
        var cutMix = new CutMix();
        using var learn = Classifier(x, y);
        var loss = learn.LossFunc;
        var (before, after) = Spies(cutMix, loss);
        learn.Fit(1, cbs: [cutMix, before, after]);

        Assert.Same(loss, learn.LossFunc);
        Assert.Equal(xBefore, D(x));   // the loader's data (batches are views of it here) is not written to
        foreach (var b in after.Batches.Where(b => b.Training))
        {
            // Again from the generator: one Beta(1, 1) draw, the permutation, the box centre (x, then y).
            Redraw(b.RngState);
            double lam = D(distributions.Beta(tensor(1f), tensor(1f)).sample(1))[0];
            var perm = randperm(Bs).data<long>().ToArray();
            long cx = randint(0, W, [1]).item<long>(), cy = randint(0, H, [1]).item<long>();
            long cutW = (long)Math.Round(W * Math.Sqrt(1 - lam), MidpointRounding.ToEven), cutH = (long)Math.Round(H * Math.Sqrt(1 - lam), MidpointRounding.ToEven);
            var box = (Math.Clamp(cx - cutW / 2, 0, W), Math.Clamp(cy - cutH / 2, 0, H), Math.Clamp(cx + cutW / 2, 0, W), Math.Clamp(cy + cutH / 2, 0, H));
            Assert.Equal(box, b.Box);
            Assert.Equal(perm, b.Shuffle);
            var (x1, y1, x2, y2) = box;
            double left = 1 - (double)((x2 - x1) * (y2 - y1)) / (W * H);
            Assert.Equal(left, b.Lam.Single(), 6);

            for (int i = 0; i < Bs; i++)
                for (int c = 0; c < C; c++)
                    for (int r = 0; r < H; r++)
                        for (int col = 0; col < W; col++)
                        {
                            bool inBox = r >= y1 && r < y2 && col >= x1 && col < x2;
                            int at(long sample) => (int)(((sample * C + c) * H + r) * W + col);
                            Assert.Equal(b.X[at(inBox ? perm[i] : i)], b.MixedX[at(i)]);
                        }
            double expected = Enumerable.Range(0, Bs).Average(i =>
                left * CrossEntropy(b.Pred, i, (long)b.Y[i]) + (1 - left) * CrossEntropy(b.Pred, i, (long)b.Y[perm[i]]));
            Near(expected, b.Loss);
        }
        Assert.All(after.Batches.Where(b => !b.Training), b => { Assert.Equal(b.X, b.MixedX); Assert.True(b.LossIsLearners); });
    }

    [Fact]
    public void Bad_arguments_are_refused_with_the_fix()
    {
        Assert.Contains("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => new MixUp(0)).Message);
        var flat = randn(8, 5);
        using var learn = new Learner(nn.Linear(5, 3), new DataLoaders(new DataLoader(flat, randint(0, 3, [8]), 4), new DataLoader(flat, randint(0, 3, [8]), 4)),
                                      (p, t) => nn.functional.cross_entropy(p, t), TorchOptimizer.Sgd(), cbs: [Progress.Quiet()]);
        Assert.Contains("(N, C, H, W)", Assert.Throws<InvalidOperationException>(() => learn.Fit(1, cbs: [new CutMix()])).Message);
        Assert.Contains("one loss per sample", Assert.Throws<InvalidOperationException>(() =>
            learn.Fit(1, cbs: [new MixUp(perSampleLoss: (p, t) => nn.functional.cross_entropy(p, t))])).Message);
    }
}
