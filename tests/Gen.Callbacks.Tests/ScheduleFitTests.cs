using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Gen.TestSupport;
using Xunit;
using static Gen.Schedules;

namespace Gen.Callbacks.Tests;

/// <summary>
/// Every <c>schedules.fits</c> case of the reference: the same fit on a Learner with one param group and the case's
/// batches per epoch, the lr and mom of every training batch (as the Recorder records them) against fastai's
/// schedule at exact positions (lr_exact / mom_exact) at rtol 1e-12. A kind this test cannot run fails.
/// </summary>
public class ScheduleFitTests
{
    public static IEnumerable<object[]> Fits() =>
        from file in ReferenceFiles.All
        where file.Root["schedules"]?["fits"] is not null
        from c in file.Root["schedules"]!["fits"]!.AsArray()
        select new object[] { file.Name, c!["id"]!.GetValue<string>() };

    [Theory]
    [MemberData(nameof(Fits))]
    public void Fit_schedule_matches_fastai(string file, string id)
    {
        var c = ReferenceFiles.All.Single(f => f.Name == file).Root["schedules"]!["fits"]!.AsArray().First(x => x!["id"]!.GetValue<string>() == id)!;
        var args = c["args"]!.AsObject();
        var recorder = new Recorder();
        using var learn = SynthLearner.Create(trainBatches: c["batches_per_epoch"]!.GetValue<int>(), validBatches: 1, optFunc: Adam.Create, cbs: [recorder, Progress.Quiet()]);
        double D(string name) => args[name]!.GetValue<double>();
        int I(string name) => args[name]!.GetValue<int>();
        switch (c["kind"]!.GetValue<string>())
        {
            case "fit_one_cycle":
                var moms = ScheduleTests.Doubles(args["moms"]!);
                learn.FitOneCycle(I("n_epoch"), D("lr_max"), D("div"), D("div_final"), D("pct_start"), moms: (moms[0], moms[1], moms[2]));
                break;
            case "fit_flat_cos": learn.FitFlatCos(I("n_epoch"), D("lr"), D("div_final"), D("pct_start")); break;
            case "fit_sgdr": learn.FitSgdr(I("n_cycles"), I("cycle_len"), D("lr_max"), I("cycle_mult")); break;
            case "param_scheduler":
                var scheds = args["scheds"]!.AsObject().ToDictionary(s => s.Key, s => Sched(s.Value!));
                learn.Fit(I("n_epoch"), cbs: [new ParamScheduler(scheds)]);
                break;
            case "lr_finder":
                learn.LrFind(D("start_lr"), D("end_lr"), I("num_it"), args["stop_div"]!.GetValue<bool>());
                break;
            default: throw new Xunit.Sdk.XunitException($"This test cannot run schedule kind '{c["kind"]}'.");
        }
        int nIter = c["n_iter"]!.GetValue<int>();
        AssertSeries(c["lr_exact"]!, recorder.Lrs, nIter, $"{id} lr");
        if (c["mom_exact"] is { } mom) AssertSeries(mom, recorder.Moms, nIter, $"{id} mom");
    }

    private static Schedule Sched(JsonNode s) => s["fn"]!.GetValue<string>() switch
    {
        "SchedLin" => SchedLin(s["start"]!.GetValue<double>(), s["end"]!.GetValue<double>()),
        "SchedCos" => SchedCos(s["start"]!.GetValue<double>(), s["end"]!.GetValue<double>()),
        "SchedNo" => SchedNo(s["start"]!.GetValue<double>(), s["end"]!.GetValue<double>()),
        "SchedExp" => SchedExp(s["start"]!.GetValue<double>(), s["end"]!.GetValue<double>()),
        var other => throw new Xunit.Sdk.XunitException($"This test cannot build schedule function '{other}'."),
    };

    private static void AssertSeries(JsonNode expected, List<double> actual, int nIter, string what)
    {
        var want = ScheduleTests.Doubles(expected);
        Assert.Equal(nIter, want.Length);
        Assert.Equal(nIter, actual.Count);
        for (int i = 0; i < nIter; i++) ScheduleTests.AssertClose(want[i], actual[i], 1e-12, $"{what}[{i}]");
    }
}
