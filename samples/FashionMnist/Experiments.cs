using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Gen;
using TorchSharp;
using static TorchSharp.torch;

namespace FashionMnist;

/// <summary>One row of the summary table.</summary>
public sealed record ExperimentResult(string Name, double ValidLoss, double Accuracy, double Seconds);

/// <summary>
/// The chapter's experiments on Fashion-MNIST with the book's simple CNN, each from the same initial weights: how the
/// learner is made and fitted, as the chapter writes it.
/// </summary>
public static class Experiments
{
    /// <summary>Name, what it is, and how it trains (the Learner is made with the given optFunc; null: fastai's Adam).</summary>
    public sealed record Experiment(string Name, string Description, OptimizerFactory? OptFunc, Action<Learner, int, string> Fit);

    public static readonly IReadOnlyList<Experiment> All =
    [
        new("default", "fastai's Adam (the Learner's default) with fit_one_cycle(lr 6e-2)", null,
            (learn, epochs, _) => learn.FitOneCycle(epochs, 6e-2)),
        new("sgd", "fastai's SGD at the rate lr_find suggests, fit_one_cycle with moms (0, 0, 0)", Optimizers.Sgd(), FitSgdAtSuggestedLr),
        new("sgd-cb", "the chapter's sgd_cb, a one-line [Step]; fit(lr 3e-2)", SgdCb.Create,
            (learn, epochs, _) => learn.Fit(epochs, 3e-2)),
        new("momentum", "the chapter's average_grad + momentum_step (mom 0.9); fit_one_cycle(lr 3e-2)", MomentumCb.Create,
            (learn, epochs, _) => learn.FitOneCycle(epochs, 3e-2)),
        new("rmsprop", "the chapter's average_sqr_grad + rms_prop_step; fit_one_cycle(lr 3e-3)", RmsPropCb.Create,
            (learn, epochs, _) => learn.FitOneCycle(epochs, 3e-3)),
        new("adam", "Adam assembled from fastai's steps in the sample, no weight decay; fit_one_cycle(lr 6e-2)", AdamCb.Create,
            (learn, epochs, _) => learn.FitOneCycle(epochs, 6e-2)),
    ];

    private static void FitSgdAtSuggestedLr(Learner learn, int epochs, string output)
    {
        var suggestions = learn.LrFind();
        var recorder = learn.Get<Recorder>()!;
        Console.WriteLine($"lr_find suggests {suggestions[0].Lr:G3} ({Plots.PlotLrFind(recorder, Path.Combine(output, "sgd-lr-find.png"), suggestions)})");
        learn.FitOneCycle(epochs, suggestions[0].Lr, moms: (0, 0, 0));
    }

    /// <summary>
    /// Runs <paramref name="experiment"/> from the weights <paramref name="seed"/> gives, in <paramref name="precision"/>
    /// mixed precision when given, prints its table, writes its plots.
    /// </summary>
    public static ExperimentResult Run(Experiment experiment, DataLoaders dls, int epochs, long seed, Device device, string output, ScalarType? precision = null)
    {
        Console.WriteLine();
        Console.WriteLine($"== {experiment.Name}: {experiment.Description}");
        manual_seed(seed);
        var model = SimpleCnn.Create().to(device);
        var clock = Stopwatch.StartNew();
        using var learn = new Learner(model, dls, (pred, target) => nn.functional.cross_entropy(pred, target),
                                      optFunc: experiment.OptFunc, metrics: [Metrics.Accuracy()],
                                      cbs: precision is { } dtype ? [new MixedPrecision(dtype)] : null);
        experiment.Fit(learn, epochs, output);
        clock.Stop();
        var recorder = learn.Get<Recorder>()!;
        recorder.PlotLoss(Path.Combine(output, $"{experiment.Name}-loss.png"));
        recorder.PlotSched(Path.Combine(output, $"{experiment.Name}-schedule.png"));
        recorder.PlotMetrics(Path.Combine(output, $"{experiment.Name}-metrics.png"));
        var last = recorder.Values[^1];
        return new ExperimentResult(experiment.Name, last.ValidLoss, last.Metrics[0], clock.Elapsed.TotalSeconds);
    }
}
