using System;
using System.Collections.Generic;
using System.Linq;
using static Gen.Schedules;

namespace Gen;

/// <summary>fastai's training policies on a <see cref="Learner"/>: one-cycle, flat-cos, SGDR and fine-tuning, with fastai's defaults and formulas.</summary>
public static class FitPolicies
{
    // Every policy takes fastai's start_epoch: after learn.Load, the fit continues at that epoch (see Learner.Fit).

    /// <summary>
    /// fastai's fit_one_cycle: lr warms up from lr_max/div to lr_max over <paramref name="pctStart"/> of training with a
    /// cosine, then anneals to lr_max/divFinal; mom does the opposite (<see cref="Learner.Moms"/>, fastai's 0.95 -> 0.85 -> 0.95,
    /// unless <paramref name="moms"/> is given). Null lr: the Learner's. Optimizers whose steps read no mom store it (fastai's set_hyper).
    /// </summary>
    public static void FitOneCycle(this Learner learn, int nEpoch, Lr? lrMax = null, double div = 25, double divFinal = 1e5, double pctStart = 0.25,
                                   double? wd = null, (double Start, double Middle, double End)? moms = null, IEnumerable<Callback>? cbs = null,
                                   int startEpoch = 0)
    {
        var lrs = GroupLrs(learn, lrMax);
        var (start, middle, end) = moms ?? learn.Moms;
        var scheds = new Dictionary<string, Schedule[]>
        {
            ["lr"] = lrs.Select(lr => CombinedCos(pctStart, lr / div, lr, lr / divFinal)).ToArray(),
            ["mom"] = [CombinedCos(pctStart, start, middle, end)],
        };
        Fit(learn, nEpoch, scheds, wd, cbs, startEpoch);
    }

    /// <summary>fastai's fit_flat_cos: lr flat for <paramref name="pctStart"/> of training, then a cosine down to lr/divFinal.</summary>
    public static void FitFlatCos(this Learner learn, int nEpoch, Lr? lr = null, double divFinal = 1e5, double pctStart = 0.75,
                                  double? wd = null, IEnumerable<Callback>? cbs = null, int startEpoch = 0)
    {
        var lrs = GroupLrs(learn, lr);
        Fit(learn, nEpoch, new() { ["lr"] = lrs.Select(l => CombinedCos(pctStart, l, l, l / divFinal)).ToArray() }, wd, cbs, startEpoch);
    }

    /// <summary>
    /// fastai's fit_sgdr: <paramref name="nCycles"/> cosine cycles from lr_max to 0, the first <paramref name="cycleLen"/>
    /// epochs long and each next one <paramref name="cycleMult"/> times longer, restarting at lr_max.
    /// </summary>
    public static void FitSgdr(this Learner learn, int nCycles, int cycleLen, Lr? lrMax = null, int cycleMult = 2,
                               double? wd = null, IEnumerable<Callback>? cbs = null, int startEpoch = 0)
    {
        if (nCycles < 1 || cycleLen < 1 || cycleMult < 1)
            throw new ArgumentOutOfRangeException(nameof(nCycles), "fit_sgdr needs at least one cycle, a cycle length of at least one epoch and a cycle multiplier of at least 1.");
        int nEpoch = cycleMult == 1 ? cycleLen * nCycles : cycleLen * (Pow(cycleMult, nCycles) - 1) / (cycleMult - 1);
        var pcts = Enumerable.Range(0, nCycles).Select(i => cycleLen * (double)Pow(cycleMult, i) / nEpoch).ToList();
        var lrs = GroupLrs(learn, lrMax);
        var scheds = lrs.Select(lr => CombineScheds(pcts, Enumerable.Repeat(SchedCos(lr, 0), nCycles).ToList())).ToArray();
        Fit(learn, nEpoch, new() { ["lr"] = scheds }, wd, cbs, startEpoch);
    }

    /// <summary>
    /// fastai's fine_tune: <paramref name="freezeEpochs"/> one-cycle epochs with only the last param group training
    /// (pct_start 0.99), then all groups for <paramref name="epochs"/> epochs at discriminative learning rates
    /// slice(base_lr/2/lr_mult, base_lr/2).
    /// </summary>
    public static void FineTune(this Learner learn, int epochs, double baseLr = 2e-3, int freezeEpochs = 1, double lrMult = 100,
                                double pctStart = 0.3, double div = 5, double? wd = null, IEnumerable<Callback>? cbs = null)
    {
        var extra = (cbs ?? []).ToList();
        learn.Freeze();
        learn.FitOneCycle(freezeEpochs, Lr.Slice(baseLr), pctStart: 0.99, wd: wd, cbs: extra);
        baseLr /= 2;
        learn.Unfreeze();
        learn.FitOneCycle(epochs, Lr.Slice(baseLr / lrMult, baseLr), pctStart: pctStart, div: div, wd: wd, cbs: extra);
    }

    /// <summary>
    /// fastai's lr_find: trains up to <paramref name="numIt"/> batches with the lr growing exponentially from
    /// <paramref name="startLr"/> to <paramref name="endLr"/> (see <see cref="LrFinder"/>), puts the weights and optimizer
    /// state back, even if the run throws, and returns the suggestions of <paramref name="suggest"/> (default: valley)
    /// from the recorded run without its first tenth and last 5 batches.
    /// </summary>
    public static IReadOnlyList<LrSuggestion> LrFind(this Learner learn, double startLr = 1e-7, double endLr = 10, int numIt = 100, bool stopDiv = true,
                                                      params LrSuggestions.Method[] suggest)
    {
        var recorder = Recorder.Of(learn, nameof(LrFind));
        var finder = new LrFinder(startLr, endLr, numIt, stopDiv);
        if (learn.Opt is null) learn.CreateOpt();
        try
        {
            learn.Fit(finder.NumIt / learn.Dls.Train.Count + 1, cbs: [finder]);
        }
        finally { finder.Restore(learn); }
        int from = numIt / 10, to = recorder.Lrs.Count - 5;
        var lrs = recorder.Lrs.Skip(from).Take(to - from).ToList();
        var losses = recorder.Losses.Skip(from).Take(to - from).TakeWhile(l => !double.IsNaN(l)).ToList();
        lrs = lrs.Take(losses.Count).ToList();
        if (losses.Count < 2) return [];
        return (suggest.Length == 0 ? [LrSuggestions.Valley] : suggest).Select(method => method(lrs, losses)).ToList();
    }

    /// <summary>
    /// fastai's freeze_to: param groups before <paramref name="n"/> stop training (negative: from the end), except
    /// parameters with force_train (norm layers, with the Learner's trainBn); the optimizer state is cleared.
    /// </summary>
    public static void FreezeTo(this Learner learn, int n)
    {
        if (learn.Opt is null) learn.CreateOpt();
        var opt = learn.Opt!.Fused ?? throw new InvalidOperationException(
            $"Freezing needs a Gen optimizer with param groups; the Learner's is {learn.Opt.GetType().Name}. Pass optFunc: Optimizers.Adam() (or another Gen optimizer).");
        opt.FreezeTo(n);
        learn.Opt.ClearState();
    }

    /// <summary>fastai's freeze: only the last param group trains.</summary>
    public static void Freeze(this Learner learn) => learn.FreezeTo(-1);

    /// <summary>fastai's unfreeze: every param group trains.</summary>
    public static void Unfreeze(this Learner learn) => learn.FreezeTo(0);

    /// <summary>fastai: <c>opt.set_hyper('lr', lr or learn.lr)</c>, then the lr of each group.</summary>
    private static double[] GroupLrs(Learner learn, Lr? lr)
    {
        if (learn.Opt is null) learn.CreateOpt();
        var opt = learn.Opt!;
        foreach (var value in (lr ?? learn.Lr).PerGroup(opt.GroupCount)) FitArguments.CheckRate("lr", value);
        opt.SetHyper("lr", lr ?? learn.Lr);
        return Enumerable.Range(0, opt.GroupCount).Select(g => opt.GetHyper("lr", g)).ToArray();
    }

    private static void Fit(Learner learn, int nEpoch, Dictionary<string, Schedule[]> scheds, double? wd, IEnumerable<Callback>? cbs, int startEpoch) =>
        learn.Fit(nEpoch, cbs: new Callback[] { new ParamScheduler(scheds) }.Concat(cbs ?? []), wd: wd, startEpoch: startEpoch);

    private static int Pow(int b, int e)
    {
        int result = 1;
        for (int i = 0; i < e; i++) result *= b;
        return result;
    }
}
