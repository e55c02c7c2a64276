using System;
using System.Collections.Generic;
using Gen;
using static Gen.Schedules;
using static TorchSharp.torch;

namespace Benchmarks.Loop;

/// <summary>
/// Quick-mode line <c>loop.default-callbacks</c>: what Recorder, ParamScheduler (lr and mom, as fit_one_cycle) and
/// Progress (quiet) add per batch over the same fit with no callbacks but the Learner's own TrainEval
/// (<c>loop.no-callbacks</c>, whose per-batch time is the baseline value). The difference is a few percent of a
/// batch, so it is measured pair by pair (<see cref="Measure.PairedDifference"/>).
/// </summary>
public static class LoopQuick
{
    internal const int TrainBatches = 200, ValidBatches = 2;

    public static IEnumerable<Comparison> Run()
    {
        using var bare = Bare();
        using var full = WithDefaultCallbacks(out var scheduler);
        var (extra, baseline, bytes) = Measure.PairedDifference(() => bare.Fit(1), () => full.Fit(1, cbs: [scheduler]));
        double batches = TrainBatches + ValidBatches;
        yield return new Comparison("loop.default-callbacks", "us_per_batch_overhead", extra / batches / 1e3,
            "loop.no-callbacks", baseline / batches / 1e3, Math.Max(0, bytes) / batches);
    }

    /// <summary>The Learner with no callbacks but its own TrainEval.</summary>
    internal static Learner Bare() => Create([], defaultCbs: false);

    /// <summary>The Learner with Recorder and a quiet Progress, and the ParamScheduler its fit adds (lr and mom, as fit_one_cycle).</summary>
    internal static Learner WithDefaultCallbacks(out ParamScheduler scheduler)
    {
        scheduler = new ParamScheduler(new Dictionary<string, Schedule>
        {
            ["lr"] = CombinedCos(0.25, 1e-4, 1e-3, 1e-8),
            ["mom"] = CombinedCos(0.25, 0.95, 0.85, 0.95),
        });
        return Create([new Recorder(), Progress.Quiet()]);
    }

    private static Learner Create(Callback[] cbs, bool defaultCbs = true)
    {
        manual_seed(0);
        var x = randn(TrainBatches * 4, 1);
        var xv = randn(ValidBatches * 4, 1);
        var dls = new DataLoaders(new DataLoader(x, 2 * x, 4), new DataLoader(xv, 2 * xv, 4));
        return new Learner(nn.Linear(1, 1), dls, (p, y) => nn.functional.mse_loss(p, y), lr: 1e-3, cbs: cbs, defaultCbs: defaultCbs);
    }
}
