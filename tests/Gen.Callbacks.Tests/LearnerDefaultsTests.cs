using System;
using System.IO;
using System.Linq;
using Gen.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>new Learner(model, dls, lossFunc) is fastai's Learner: its defaults, its default callbacks, its logger.</summary>
public partial class LearnerDefaultsTests
{
    private static Learner Plain(params Callback[] cbs) =>
        new(nn.Linear(1, 1), SynthLearner.Data(trainBatches: 4, validBatches: 1), (p, t) => nn.functional.mse_loss(p, t), cbs: cbs);

    [Fact]
    public void A_plain_learner_has_fastais_defaults()
    {
        using var learn = Plain();
        Assert.Equal([typeof(TrainEval), typeof(Recorder), typeof(Progress), typeof(ChannelsLast)], learn.Cbs.Select(cb => cb.GetType()));   // the last is Gen's, for CPU convolutions
        Assert.True(learn.Get<ChannelsLast>()!.Automatic);
        Assert.Equal(1e-3, learn.Lr);
        Assert.Equal((0.95, 0.85, 0.95), learn.Moms);
        Assert.False(learn.WdBnBias);
        Assert.True(learn.TrainBn);
        learn.CreateOpt();
        var adam = Assert.IsType<Adam>(learn.Opt);
        Assert.Equal([1e-3, 0.9, 0.99, 1e-5, 0.01], new[] { "lr", "mom", "sqr_mom", "eps", "wd" }.Select(h => adam.GetHyper(h)));
        Assert.Equal([1.0, 0], new[] { 0, 1 }.Select(i => adam.GetState("do_wd", i)));   // the bias gets no weight decay
    }

    [Fact]
    public void A_default_of_a_type_already_given_is_not_added_and_a_pipeline_gets_none()
    {
        var quiet = Progress.Quiet();
        var recorder = new Recorder();
        using var learn = Plain(quiet, recorder);
        Assert.Same(quiet, Assert.Single(learn.Cbs.OfType<Progress>()));
        Assert.Same(recorder, Assert.Single(learn.Cbs.OfType<Recorder>()));
        using var piped = new Learner(nn.Linear(1, 1), SynthLearner.Data(1, 1), (p, t) => nn.functional.mse_loss(p, t), pipeline: new QuietLoop(new TrainEval(), new Recorder(), Progress.Quiet()));
        Assert.Equal(3, piped.Cbs.Count);
        Assert.True(piped.UsesPipeline);
    }

    [Fact]
    public void The_recorder_computes_the_learners_metrics()
    {
        using var learn = new Learner(nn.Linear(1, 1), SynthLearner.Data(4, 2), (p, t) => nn.functional.mse_loss(p, t),
                                      metrics: [Metrics.Mae()], cbs: [Progress.Quiet()]);
        learn.Fit(1);
        var recorder = learn.Get<Recorder>()!;
        Assert.Equal(["epoch", "train_loss", "valid_loss", "mae", "time"], recorder.MetricNames);
        Assert.Single(recorder.Values[0].Metrics);
    }

    [Fact]
    public void Rows_reach_every_logger_when_the_recorder_logs_them_even_if_the_fit_is_then_cancelled()
    {
        var output = new StringWriter();
        var csv = Path.Combine(Path.GetTempPath(), $"gen-log-{Guid.NewGuid():N}.csv");
        try
        {
            using var learn = Plain(new Progress(output), new CsvLogger(csv), new CancelAfterFirstEpoch());
            var own = learn.Logger;
            learn.Fit(5);
            Assert.Single(learn.Get<Recorder>()!.Values);
            var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);            // header and the one epoch the fit completed
            Assert.StartsWith("0 ", lines[1]);
            Assert.Equal(2, File.ReadAllLines(csv).Length);
            Assert.Same(own, learn.Logger);           // Progress and CsvLogger put the Learner's own logger back
        }
        finally { File.Delete(csv); }
    }

    [RunAfter(typeof(Recorder))]
    private sealed partial class CancelAfterFirstEpoch : Callback
    {
        [Event] void AfterEpoch(Learner learn) => learn.Cancel(Stage.Fit);
    }
}

[Pipeline(typeof(TrainEval), typeof(Recorder), typeof(Progress))]
public sealed partial class QuietLoop;

public partial class LearnerEdgeTests
{
    private static Tensor Mse(Tensor p, Tensor t) => nn.functional.mse_loss(p, t);

    [Fact]
    public void A_csv_logger_given_before_progress_still_gets_every_row()
    {
        var csv = Path.Combine(Path.GetTempPath(), $"gen-log-{Guid.NewGuid():N}.csv");
        try
        {
            using var learn = new Learner(nn.Linear(1, 1), SynthLearner.Data(4, 1), Mse, cbs: [new CsvLogger(csv), Progress.Quiet()]);
            learn.Fit(3);
            Assert.Equal(4, File.ReadAllLines(csv).Length);
        }
        finally { File.Delete(csv); }
    }

    [Fact]
    public void Default_callbacks_can_be_left_out_as_fastais_default_cbs()
    {
        using var learn = new Learner(nn.Linear(1, 1), SynthLearner.Data(1, 1), Mse, defaultCbs: false);
        Assert.Equal([typeof(TrainEval)], learn.Cbs.Select(cb => cb.GetType()));
    }

    [Fact]
    public void Batches_without_targets_predict_and_fire_after_loss_but_compute_no_loss()
    {
        var x = randn(8, 1);
        var dls = new DataLoaders(new DataLoader(x, 2 * x, 4), new DataLoader([x], [], 4));   // unlabelled validation set
        var seen = new LossSeen();
        using var learn = new Learner(nn.Linear(1, 1), dls, Mse, cbs: [Progress.Quiet(), seen]);
        learn.Fit(1);
        Assert.Equal([true, true, false, false], seen.HadLoss);                  // two training batches, two unlabelled ones
        Assert.True(double.IsNaN(learn.Get<Recorder>()!.Values[0].ValidLoss));
    }

    private sealed partial class LossSeen : Callback
    {
        public System.Collections.Generic.List<bool> HadLoss { get; } = [];
        [Event] void AfterLoss(Learner learn) => HadLoss.Add(learn.Loss is not null);
    }

    [Fact]
    public void An_optimizer_that_fails_to_build_leaves_no_disposed_optimizer_behind()
    {
        int calls = 0;
        OptimizerFactory flaky = (ps, lr, groups) => ++calls == 2 ? throw new InvalidOperationException("boom") : Optimizers.Sgd()(ps, lr, groups);
        using var learn = new Learner(nn.Linear(1, 1), SynthLearner.Data(1, 1), Mse, optFunc: flaky, cbs: [Progress.Quiet()]);
        learn.CreateOpt();
        Assert.Throws<InvalidOperationException>(learn.CreateOpt);
        Assert.Null(learn.Opt);
        learn.Fit(1);   // makes a new one
        Assert.IsType<Sgd>(learn.Opt);
    }

    [Fact]
    public void TorchSharps_optimizers_take_fastais_hyper_names()
    {
        using var learn = new Learner(nn.Linear(1, 1), SynthLearner.Data(4, 1), Mse, optFunc: TorchOptimizer.Adam, cbs: [Progress.Quiet()]);
        learn.FitOneCycle(1, 1e-3);
        var opt = Assert.IsType<TorchOptimizer>(learn.Opt);
        var options = ((TorchSharp.Modules.ParamGroup<TorchSharp.Modules.Adam.Options>)opt.Inner.ParamGroups.First()).Options;
        Assert.Equal(learn.Get<Recorder>()!.Moms[^1], options.beta1);   // one-cycle's mom is Adam's beta1
        opt.SetHyper("wd", 0.1);
        Assert.Equal(0.1, options.weight_decay);
        Assert.Equal(0.1, opt.GetHyper("wd"));
        Assert.Equal(0.999, opt.GetHyper("sqr_mom"), 12);
    }

    [Fact]
    public void Any_spelling_of_a_steps_hyper_sets_that_hyper()
    {
        var ps = new[] { new TorchSharp.Modules.Parameter(ones(2)) };
        using var qh = new QHAdam(ps, lr: 0.01);
        qh.SetHyper("Lr", 0.5);
        qh.SetHyper("Nu1", 0.3);
        Assert.Equal(0.5, qh.GetHyper("lr"));
        Assert.Equal(0.3, qh.GetHyper("nu_1"));
        Assert.True(qh.HasHyper("nu1"));
        var state = qh.StateDict();
        Assert.Equal(0.5, state.Hypers[0]["lr"]);
        qh.SetHyper("mom_extra", 1);                            // stored after the snapshot...
        qh.LoadStateDict(state);
        Assert.False(qh.HasHyper("mom_extra"));                 // ...and gone when the snapshot is loaded
    }
}
