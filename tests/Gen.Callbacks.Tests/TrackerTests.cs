using System;
using System.IO;
using System.Linq;
using Gen.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>
/// fastai's tracker callbacks on real fits whose monitored values are scripted (a metric that returns a given value per
/// epoch) or constant (lr 0 leaves the valid loss unchanged); expectations are derived by hand from fastai's rules.
/// </summary>
public partial class TrackerTests
{
    /// <summary>A metric whose value at epoch k of the learner's fits (counted across fits) is values[k].</summary>
    private sealed class Scripted(string name, params double[] values) : Metric
    {
        private int _phases;
        public override string Name => name;
        public override void Reset() => _phases++;
        public override void Accumulate(Learner learn) { }
        public override double Value => values[_phases - 1];
    }

    /// <summary>Gives each param group its own lr once the fit has set the common one (as discriminative lrs).</summary>
    private sealed partial class GroupLrs(params double[] lrs) : Callback
    {
        [Event] void BeforeFit(Learner learn) => learn.Opt!.SetHyper("lr", lrs);
    }

    private static Tensor Mse(Tensor p, Tensor t) => nn.functional.mse_loss(p, t);

    /// <summary>A linear regression with 2 training batches and 1 validation batch per epoch, SGD, quiet.</summary>
    private static Learner Synth(double lr, Metric[]? metrics = null, params Callback[] cbs)
    {
        manual_seed(0);
        return new Learner(nn.Linear(1, 1), SynthLearner.Data(2, 1), Mse, optFunc: Optimizers.Sgd(), lr: lr,
                           metrics: metrics, cbs: [Progress.Quiet(), .. cbs]);
    }

    private static T Silent<T>(T tracker, StringWriter? output = null) where T : TrackerCallback
    {
        tracker.Output = output;
        return tracker;
    }

    private static int EpochsRun(Learner learn) => learn.Get<Recorder>()!.Values.Count;

    [Theory]
    [InlineData(1, 2)]   // epoch 0 sets the best, epoch 1 does not improve: 1 epoch without improvement
    [InlineData(3, 4)]   // epochs 1, 2, 3 do not improve
    public void EarlyStopping_stops_after_patience_epochs_of_a_constant_valid_loss(int patience, int expectedEpochs)
    {
        var output = new StringWriter();
        var stopper = Silent(new EarlyStopping(patience: patience), output);
        using var learn = Synth(lr: 0, cbs: stopper);
        learn.Fit(10);
        Assert.Equal(expectedEpochs, EpochsRun(learn));
        Assert.Equal("No improvement since epoch 0: early stopping", output.ToString().Trim());
        var values = learn.Get<Recorder>()!.Values;
        Assert.All(values, v => Assert.Equal(values[0].ValidLoss, v.ValidLoss));   // lr 0: the premise holds
        Assert.Equal(values[0].ValidLoss, stopper.Best);
        Assert.Equal(patience, stopper.Wait);
    }

    [Fact]
    public void EarlyStopping_on_accuracy_treats_higher_as_better()
    {
        // best .5 (e0), .6 (e1); e2 equal: wait 1; .7 (e3) resets; e4, e5 lower: wait 2 = patience -> stop at epoch 5.
        var output = new StringWriter();
        var stopper = Silent(new EarlyStopping("accuracy", patience: 2), output);
        using var learn = Synth(lr: 0.1, [new Scripted("accuracy", 0.5, 0.6, 0.6, 0.7, 0.65, 0.64, 0.9, 0.9, 0.9, 0.9)], stopper);
        learn.Fit(10);
        Assert.Equal(TrackerComp.Greater, stopper.Comp);
        Assert.Equal(6, EpochsRun(learn));
        Assert.Equal(0.7, stopper.Best);
        Assert.Equal("No improvement since epoch 3: early stopping", output.ToString().Trim());
    }

    [Fact]
    public void EarlyStopping_on_an_error_treats_lower_as_better()
    {
        // The same values read as an error: .5 (e0) is the best; e1 and e2 are worse -> stop at epoch 2.
        var output = new StringWriter();
        var stopper = Silent(new EarlyStopping("my_error", patience: 2), output);
        using var learn = Synth(lr: 0.1, [new Scripted("my_error", 0.5, 0.6, 0.6, 0.7, 0.65, 0.64, 0.9, 0.9, 0.9, 0.9)], stopper);
        learn.Fit(10);
        Assert.Equal(TrackerComp.Less, stopper.Comp);
        Assert.Equal(3, EpochsRun(learn));
        Assert.Equal(0.5, stopper.Best);
        Assert.Equal("No improvement since epoch 0: early stopping", output.ToString().Trim());
    }

    [Theory]
    [InlineData("valid_loss", TrackerComp.Less)]
    [InlineData("train_loss", TrackerComp.Less)]
    [InlineData("error_rate", TrackerComp.Less)]
    [InlineData("accuracy", TrackerComp.Greater)]
    [InlineData("f1_score", TrackerComp.Greater)]
    [InlineData("Loss", TrackerComp.Greater)]   // fastai's test is case-sensitive: 'loss' in monitor
    public void Comp_is_inferred_from_the_monitor_name_as_fastai_does(string monitor, TrackerComp expected)
    {
        Assert.Equal(expected, TrackerCallback.InferComp(monitor));
        Assert.Equal(expected, new EarlyStopping(monitor).Comp);
    }

    [Fact]
    public void An_explicit_comp_overrides_the_name()
    {
        var stopper = Silent(new EarlyStopping("accuracy", comp: TrackerComp.Less));
        using var learn = Synth(lr: 0.1, [new Scripted("accuracy", 0.5, 0.6, 0.7, 0.8)], stopper);
        learn.Fit(4);
        Assert.Equal(2, EpochsRun(learn));   // rising values are worse: epoch 1 does not improve
        Assert.Equal(0.5, stopper.Best);
    }

    [Fact]
    public void MinDelta_when_lower_is_better_needs_a_drop_of_more_than_min_delta()
    {
        // min_delta .25 (binary-exact values): e1 drops .5 (improves); e2 drops .125 (no); e3 drops exactly .25 (no) -> stop at 3.
        double[] losses = [1.0, 0.5, 0.375, 0.25, 0.125, 0.0625];
        var output = new StringWriter();
        var stopper = Silent(new EarlyStopping("scripted_loss", minDelta: 0.25, patience: 2), output);
        using (var learn = Synth(lr: 0.1, [new Scripted("scripted_loss", losses)], stopper))
        {
            learn.Fit(6);
            Assert.Equal(4, EpochsRun(learn));
        }
        Assert.Equal(0.5, stopper.Best);
        Assert.Equal("No improvement since epoch 1: early stopping", output.ToString().Trim());

        var noDelta = Silent(new EarlyStopping("scripted_loss", patience: 2));
        using var control = Synth(lr: 0.1, [new Scripted("scripted_loss", losses)], noDelta);
        control.Fit(6);
        Assert.Equal(6, EpochsRun(control));   // every drop counts without min_delta
        Assert.Equal(0.0625, noDelta.Best);
    }

    [Fact]
    public void MinDelta_when_higher_is_better_needs_a_rise_of_more_than_min_delta()
    {
        // min_delta .25: e1 rises exactly .25 (no); e2 rises .375 over the best (improves); e3 .125, e4 .1875 (no) -> stop at 4.
        var output = new StringWriter();
        var stopper = Silent(new EarlyStopping("accuracy", minDelta: 0.25, patience: 2), output);
        using var learn = Synth(lr: 0.1, [new Scripted("accuracy", 0.5, 0.75, 0.875, 1.0, 1.0625, 2.0)], stopper);
        learn.Fit(6);
        Assert.Equal(5, EpochsRun(learn));
        Assert.Equal(0.875, stopper.Best);
        Assert.Equal("No improvement since epoch 2: early stopping", output.ToString().Trim());
    }

    [Fact]
    public void ReduceLROnPlateau_divides_every_group_lr_by_factor_and_clamps_at_min_lr()
    {
        // Groups at 2^-6 and 2^-4, factor 4, min_lr 2^-9, patience 2, a constant loss: e0 best; reductions at e2 and e4
        // -> (2^-8, 2^-6), then (2^-10 clamped to 2^-9, 2^-8).
        var first = nn.Linear(1, 4);
        var second = nn.Linear(4, 1);
        manual_seed(0);
        var output = new StringWriter();
        var reducer = Silent(new ReduceLROnPlateau("scripted_loss", patience: 2, factor: 4, minLr: Math.Pow(2, -9)), output);
        using var learn = new Learner(nn.Sequential(first, second), SynthLearner.Data(2, 1), Mse, optFunc: Optimizers.Sgd(), lr: 1,
                                      splitter: _ => [first.parameters(), second.parameters()],
                                      metrics: [new Scripted("scripted_loss", Enumerable.Repeat(1.0, 6).ToArray())],
                                      cbs: [Progress.Quiet(), new GroupLrs(Math.Pow(2, -6), Math.Pow(2, -4)), reducer]);
        learn.Fit(6);

        Assert.Equal(6, EpochsRun(learn));
        Assert.Equal(Math.Pow(2, -9), learn.Opt!.GetHyper("lr", 0));
        Assert.Equal(Math.Pow(2, -8), learn.Opt.GetHyper("lr", 1));
        // The lr each training batch used (last group; 2 batches per epoch).
        double[] perEpoch = [Math.Pow(2, -4), Math.Pow(2, -4), Math.Pow(2, -4), Math.Pow(2, -6), Math.Pow(2, -6), Math.Pow(2, -8)];
        Assert.Equal(perEpoch.SelectMany(lr => new[] { lr, lr }), learn.Get<Recorder>()!.Lrs);
        Assert.Equal(["Epoch 2: reducing lr to 0.015625", "Epoch 4: reducing lr to 0.00390625"],
                     output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void ReduceLROnPlateau_stops_reducing_at_min_lr_and_never_raises_an_lr_below_it()
    {
        // lr 2^-4, factor 4, min_lr 2^-7, patience 1: e1 -> 2^-6, e2 -> 2^-7 (clamped), e3 stays (no message).
        var output = new StringWriter();
        var reducer = Silent(new ReduceLROnPlateau("scripted_loss", factor: 4, minLr: Math.Pow(2, -7)), output);
        using var learn = Synth(lr: Math.Pow(2, -4), [new Scripted("scripted_loss", 1, 1, 1, 1)], reducer);
        learn.Fit(4);
        Assert.Equal(Math.Pow(2, -7), learn.Opt!.GetHyper("lr"));
        Assert.Equal(["Epoch 1: reducing lr to 0.015625", "Epoch 2: reducing lr to 0.0078125"],
                     output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));

        var below = Silent(new ReduceLROnPlateau("scripted_loss", factor: 4, minLr: Math.Pow(2, -7)));
        using var low = Synth(lr: Math.Pow(2, -9), [new Scripted("scripted_loss", 1, 1, 1)], below);
        low.Fit(3);
        Assert.Equal(Math.Pow(2, -9), low.Opt!.GetHyper("lr"));
    }

    [Fact]
    public void ReduceLROnPlateau_says_that_a_scheduled_lr_undoes_it()
    {
        var output = new StringWriter();
        using var learn = Synth(lr: 0.1, cbs: Silent(new ReduceLROnPlateau(), output));
        learn.FitOneCycle(1);
        Assert.Contains("ParamScheduler sets lr before every batch", output.ToString());

        var plain = new StringWriter();
        using var fit = Synth(lr: 0.1, cbs: Silent(new ReduceLROnPlateau(), plain));
        fit.Fit(1);
        Assert.Equal("", plain.ToString());
    }

    [Theory]
    [InlineData("acuracy")]
    [InlineData("time")]
    [InlineData("epoch")]
    public void A_monitor_the_recorder_does_not_record_is_refused_with_the_recorded_names(string monitor)
    {
        using var learn = Synth(lr: 0.1, [new Scripted("accuracy", 0.5)], Silent(new EarlyStopping(monitor)));
        var e = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains($"monitors '{monitor}'", e.Message);
        Assert.Contains("it records train_loss, valid_loss, accuracy.", e.Message);
        Assert.Empty(learn.Get<Recorder>()!.Values);
    }

    [Fact]
    public void Bad_arguments_name_the_problem()
    {
        Assert.Contains("patience", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(patience: 0)).Message);
        Assert.Contains("min_delta", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(minDelta: -0.1)).Message);
        Assert.Contains("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(factor: 1)).Message);
        Assert.Contains("min_lr", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(minLr: -1)).Message);
        Assert.Contains("monitor", Assert.Throws<ArgumentException>(() => new EarlyStopping(" ")).Message);
    }

    [Theory]
    [InlineData(true, true)]     // a new fit starts from no best: 0.6 is a new best
    [InlineData(false, false)]   // the best of the first fit (0.7) stands
    public void ResetOnFit_decides_whether_a_new_fit_forgets_the_best(bool resetOnFit, bool newBestInSecondFit)
    {
        var stopper = Silent(new EarlyStopping("accuracy", patience: 5, resetOnFit: resetOnFit));
        using var learn = Synth(lr: 0.1, [new Scripted("accuracy", 0.5, 0.7, 0.6)], stopper);
        learn.Fit(2);
        Assert.Equal(0.7, stopper.Best);
        learn.Fit(1);
        Assert.Equal(newBestInSecondFit, stopper.NewBest);
        Assert.Equal(newBestInSecondFit ? 0.6 : 0.7, stopper.Best);
    }

    [Fact]
    public void A_checkpointed_tracker_resumes_its_best_and_wait()
    {
        // First run: best .5 (e0), e1 worse: wait 1 of 2. A fresh callback loaded from its state, in a fit resumed at epoch 2,
        // stops after one more bad epoch; a fit from epoch 0 would have started over (best .45 at e0, no stop).
        var first = Silent(new EarlyStopping("accuracy", patience: 2));
        using (var learn = Synth(lr: 0.1, [new Scripted("accuracy", 0.5, 0.4)], first)) learn.Fit(2);
        Assert.Equal(1, first.Wait);
        var state = new CheckpointState(first.CheckpointKey);
        first.SaveState(state);
        Assert.Equal("early_stopping:accuracy", first.CheckpointKey);

        var resumed = Silent(new EarlyStopping("accuracy", patience: 2));
        resumed.LoadState(state);
        using var again = Synth(lr: 0.1, [new Scripted("accuracy", 0.45, 0.9)], resumed);
        again.Fit(4, startEpoch: 2);
        Assert.Equal(1, EpochsRun(again));
        Assert.Equal(0.5, resumed.Best);
        Assert.Equal(2, resumed.Wait);
    }

    [Fact]
    public void A_checkpoint_of_another_monitor_or_callback_is_refused_without_changes()
    {
        var saved = new CheckpointState("early_stopping:valid_loss");
        new EarlyStopping().SaveState(saved);
        var other = Silent(new EarlyStopping("accuracy"));
        var e = Assert.Throws<CheckpointException>(() => other.LoadState(saved));
        Assert.Contains("tracked 'valid_loss'", e.Message);
        Assert.Equal(double.NegativeInfinity, other.Best);

        var trackerOnly = new CheckpointState("early_stopping:valid_loss");
        trackerOnly.Set("best", 0.5);
        var fresh = new EarlyStopping();
        Assert.Throws<CheckpointException>(() => fresh.LoadState(trackerOnly));   // no wait, monitor or comp
        Assert.Equal(double.PositiveInfinity, fresh.Best);
    }

    [Fact]
    public void Trackers_are_idle_while_the_lr_finder_runs()
    {
        // 2 training batches per epoch: 6 iterations take 3 epochs, whose validation LrFind skips (valid loss NaN). An active
        // EarlyStopping would stop at the end of epoch 0 (NaN never improves), leaving 2 recorded batches.
        var stopper = Silent(new EarlyStopping());
        using var learn = Synth(lr: 0.1, cbs: stopper);
        learn.LrFind(numIt: 6, stopDiv: false);
        Assert.Equal(6, learn.Get<Recorder>()!.Losses.Count);
    }
}
