using System;
using System.Collections.Generic;
using System.Linq;
using Gen.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

public partial class LrFindTests
{
    /// <summary>Cancels the fit (or throws) at training batch <see cref="At"/>.</summary>
    private sealed partial class StopAt(int at, bool throws) : Callback
    {
        public int At { get; } = at;

        [Event]
        void AfterStep(Learner learn)
        {
            if (learn.TrainIter + 1 < At) return;
            if (throws) throw new InvalidOperationException("boom");
            learn.Cancel(Stage.Fit);
        }
    }

    private static (Learner, Recorder) Trained()
    {
        var recorder = new Recorder();
        var learn = SynthLearner.Create(trainBatches: 8, validBatches: 1, optFunc: Adam.Create, cbs: [recorder, Progress.Quiet()]);
        learn.Fit(1);   // the optimizer has state worth keeping
        return (learn, recorder);
    }

    private static (double[] Weights, double[] State, double Lr) Snapshot(Learner learn)
    {
        var state = ((FusedOptimizer)learn.Opt!).StateDict();
        return (learn.Model.parameters().SelectMany(p => p.data<float>().ToArray().Select(v => (double)v)).ToArray(),
                state.Params.SelectMany(p => p.Buffers.OrderBy(b => b.Key).SelectMany(b => b.Value.data<float>().ToArray().Select(v => (double)v))
                    .Concat(p.PerTensor.OrderBy(t => t.Key).Select(t => t.Value))).ToArray(),
                learn.Opt!.GetHyper("lr"));
    }

    [Theory]
    [InlineData(0, false)]     // runs to the end
    [InlineData(5, false)]     // a callback cancels the fit
    [InlineData(5, true)]      // a callback throws
    public void Weights_and_optimizer_state_are_bit_identical_afterwards(int stopAt, bool throws)
    {
        var (learn, _) = Trained();
        var before = Snapshot(learn);
        if (stopAt > 0) learn.Add(new StopAt(stopAt, throws));
        if (throws) Assert.Throws<InvalidOperationException>(() => learn.LrFind(numIt: 20));
        else learn.LrFind(numIt: 20);
        var after = Snapshot(learn);
        Assert.Equal(before.Weights, after.Weights);
        Assert.Equal(before.State, after.State);
        Assert.Equal(before.Lr, after.Lr);
        learn.Dispose();
    }

    [Fact]
    public void The_run_stops_when_the_smoothed_loss_exceeds_four_times_the_best()
    {
        var (learn, recorder) = Trained();
        learn.LrFind(startLr: 1e-3, endLr: 1e6, numIt: 200);
        Assert.True(recorder.Lrs.Count < 200, $"ran {recorder.Lrs.Count} batches");
        double best = recorder.Losses.Take(recorder.Losses.Count - 1).Min();
        Assert.True(recorder.Losses[^1] > 4 * best);                        // the batch that stopped it
        Assert.All(recorder.Losses.Take(recorder.Losses.Count - 1).Select((l, i) => (l, i)),
            x => Assert.True(x.l <= 4 * recorder.Losses.Take(x.i + 1).Min()));   // and none before it diverged
        learn.Dispose();
    }

    [Fact]
    public void Suggestions_follow_fastais_rules_on_a_known_curve()
    {
        // lrs 10^-5 .. 10^0 over 51 points; the loss falls to a minimum at index 30, then rises.
        var lrs = Enumerable.Range(0, 51).Select(i => Math.Pow(10, -5 + i / 10.0)).ToList();
        var losses = Enumerable.Range(0, 51).Select(i => 1 + Math.Pow((i - 30) / 10.0, 2)).ToList();
        var minimum = LrSuggestions.Minimum(lrs, losses);
        Assert.Equal(lrs[30] / 10, minimum.Lr, 15);
        // Steepest descent against log(lr): the first interval (slopes shrink towards the minimum).
        Assert.Equal(lrs[0], LrSuggestions.Steep(lrs, losses).Lr);
        // The longest decreasing run is 0..30: start 0 - 1 = -1 (fastai's off-by-one), sections = 31/3, idx = -1 + 10 + 5.
        Assert.Equal(lrs[14], LrSuggestions.Valley(lrs, losses).Lr);
    }
}
