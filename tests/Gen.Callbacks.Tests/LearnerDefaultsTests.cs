using System;
using System.IO;
using System.Linq;
using Gen.Runtime.Tests;
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
        Assert.Equal([typeof(TrainEval), typeof(Recorder), typeof(Progress)], learn.Cbs.Select(cb => cb.GetType()));
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
