using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Gen.TestSupport;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>
/// The concrete tests of fastai's optimizer notebook (reference <c>notebook_cases</c> from nbs/12_optimizer),
/// each replayed with this port and compared with fastai's own float64 output (rtol 1e-12) and float32 output
/// (rtol 1e-5, atol 1e-6). A case this table cannot interpret fails.
/// </summary>
public class NotebookCaseTests
{
    private delegate IEnumerable<double> Replay(JsonObject inputs, ScalarType type);

    private static readonly Dictionary<string, Replay> Cases = new()
    {
        ["sgd_step(p, lr=1.) -> [p, p.grad]"] = (i, t) => PAndGrad(i, t, ps => new OnlySgdStep(ps, lr: 1)),
        ["weight_decay(p, lr=1., wd=0.1) -> [p, p.grad]"] = (i, t) => PAndGrad(i, t, ps => new OnlyWeightDecay(ps, lr: 1, wd: 0.1)),
        ["l2_reg(p, lr=1., wd=0.1) -> [p, p.grad]"] = (i, t) => PAndGrad(i, t, ps => new OnlyL2Reg(ps, wd: 0.1)),
        ["Optimizer(params,[sgd_step],lr=0.1) one step"] = (i, t) => Steps(i, t, ps => new OnlySgdStep(ps, lr: 0.1), 1),
        ["Optimizer(params,[weight_decay,sgd_step],lr=0.1,wd=0.1) one step"] = (i, t) => Steps(i, t, ps => new Sgd(ps, lr: 0.1, wd: 0.1), 1),
        ["params with grad None are ignored"] = (i, t) => Steps(i, t, ps => new OnlySgdStep(ps, lr: 0.1), 1),
        ["discriminative lrs: groups [p0,p1] lr=0.01, [p2,p3] lr=0.1"] = (i, t) => Steps(i, t, ps =>
        {
            var sgd = new Sgd(ps, lr: 0, groups: [[0, 1], [2, 3]]);
            sgd.SetHyper("lr", [0.01, 0.1]);
            return sgd;
        }, 1),
        ["average_grad grad_avg after 2 calls, mom=0.9: [no damp 1, no damp 2, damp 1, damp 2]"] = (i, t) =>
            Buffers(i, t, ps => new OnlyAverageGrad(ps), "grad_avg").Concat(Buffers(i, t, ps => new OnlyDampedAverageGrad(ps), "grad_avg")),
        ["average_sqr_grad sqr_avg after 2 calls, sqr_mom=0.99: [no damp 1, 2, damp (default) 1, 2]"] = (i, t) =>
            Buffers(i, t, ps => new OnlyAverageSqrGrad(ps), "sqr_avg").Concat(Buffers(i, t, ps => new OnlyDampedAverageSqrGrad(ps), "sqr_avg")),
        // grad_avg is fed as the gradient of an undamped average with mom 0, which makes it equal the gradient.
        ["momentum_step(p, lr=0.1, grad_avg=[4,5,6])"] = (i, t) => OneTensor(Values(i["p"]), Values(i["grad_avg"]), t, ps => new AveragedMomentumStep(ps, lr: 0.1), 1),
        ["SGD(lr=0.1) two steps"] = (i, t) => Steps(i, t, ps => new Sgd(ps, lr: 0.1), 1).Concat(Steps(i, t, ps => new Sgd(ps, lr: 0.1), 2)),
        ["SGD(lr=0.1, mom=0.9) two steps + grad_avg"] = (i, t) => SgdMomentumTwoSteps(i, t),
        ["SGD(lr=0.1, mom=0.9, wd=0.1) one step"] = (i, t) => Steps(i, t, ps => new SgdMomentum(ps, lr: 0.1, wd: 0.1), 1),
        ["RMSProp(lr=0.1) two steps"] = (i, t) => Trajectory(i, t, ps => new RmsProp(ps, lr: 0.1), 1, 2),
        ["RMSProp(lr=0.1, mom=0.9) two steps"] = (i, t) => Trajectory(i, t, ps => new RmsPropMomentum(ps, lr: 0.1), 1, 2),
        ["step_stat after 1 and 6 calls"] = (_, t) => StepCounts(t, 1, 6),
        ["debias(mom, damp, step) = damp*(1-mom**step)/(1-mom) for (0.9,0.1,1),(0.9,0.1,3),(0.99,0.01,10)"] = (_, _) =>
            [Gen.Steps.Debias(0.9, 0.1, 1), Gen.Steps.Debias(0.9, 0.1, 3), Gen.Steps.Debias(0.99, 0.01, 10)],
        ["Adam(lr=0.1, wd=0) two steps"] = (i, t) => Trajectory(i, t, ps => new Adam(ps, lr: 0.1, wd: 0), 1, 2),
        ["RAdam(lr=0.1): params after 5 steps (unrectified) and after step 6 (rectified)"] = (i, t) => Trajectory(i, t, ps => new RAdam(ps, lr: 0.1), 5, 6),
        ["QHAdam(lr=0.1) two steps"] = (i, t) => Trajectory(i, t, ps => new QHAdam(ps, lr: 0.1), 1, 2),
        ["Larc(lr=0.1) (clip): [local_lr p0,p1], p0, p1 after one step"] = (i, t) => LarcOneStep(i, t, ps => new Larc(ps, lr: 0.1)),
        ["Larc(lr=0.1, clip=False) (LARS): [local_lr p0,p1], p0, p1 after one step"] = (i, t) => LarcOneStep(i, t, ps => new Lars(ps, lr: 0.1)),
        ["Lamb(lr=0.1) one step"] = (i, t) => Trajectory(i, t, ps => new Lamb(ps, lr: 0.1), 1),
        ["Lookahead(SGD(lr=0.1)) (k=6, alpha=0.5): after 5 steps, after step 6"] = (i, t) => Trajectory(i, t, ps => new Lookahead(new Sgd(ps, lr: 0.1), 6, 0.5), 5, 6),
    };

    public static IEnumerable<object[]> OptimizerCases() =>
        from file in ReferenceFiles.All
        where file.Root["notebook_cases"] is not null
        from c in file.Root["notebook_cases"]!.AsArray()
        where !ScheduleTests.IsScheduleNotebook(c!)   // ScheduleTests replays those
        from dtype in new[] { "float64", "float32" }
        select new object[] { file.Name, c!["what"]!.GetValue<string>(), dtype };

    [Theory]
    [MemberData(nameof(OptimizerCases))]
    public void Optimizer_notebook_case_matches_fastai(string file, string what, string dtype)
    {
        var c = ReferenceFiles.All.Single(f => f.Name == file).Root["notebook_cases"]!.AsArray().First(x => x!["what"]!.GetValue<string>() == what)!;
        Assert.True(Cases.TryGetValue(what, out var replay), $"This port cannot interpret the notebook case '{what}'.");
        var type = dtype == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        var got = replay(c["inputs"]!.AsObject(), type).ToArray();
        var want = Flatten(c[dtype == "float64" ? "fastai_float64" : "fastai_float32"]).ToArray();
        Assert.Equal(want.Length, got.Length);
        for (int k = 0; k < want.Length; k++)
        {
            double tolerance = dtype == "float64" ? 1e-12 * Math.Abs(want[k]) : 1e-6 + 1e-5 * Math.Abs(want[k]);
            Assert.True(Math.Abs(got[k] - want[k]) <= tolerance, $"{what} {dtype}: value {k} = {got[k]:R}, fastai {want[k]:R}");
        }
    }

    private static IEnumerable<double> Flatten(JsonNode? node) =>
        node is JsonArray a ? a.SelectMany(Flatten) : [node!.GetValue<double>()];

    private static double[] Values(JsonNode? node) => node is JsonArray a ? a.Select(x => x!.GetValue<double>()).ToArray() : [node!.GetValue<double>()];

    private static double[] Read(Tensor t) => t.to_type(ScalarType.Float64).data<double>().ToArray();

    /// <summary>A step on one scalar parameter: [p, grad] afterwards (l2_reg changes the gradient).</summary>
    private static IEnumerable<double> PAndGrad(JsonObject i, ScalarType t, Func<IReadOnlyList<Parameter>, Gen.Optimizer> make)
    {
        var p = new Parameter(tensor(Values(i["p"]), t)) { grad = tensor(Values(i["grad"]), t) };
        using var opt = make([p]);
        opt.Step();
        return Read(p).Concat(Read(p.grad!));
    }

    /// <summary>The notebook's params: one scalar parameter per value, null gradients left null; values after <paramref name="steps"/> steps.</summary>
    private static IEnumerable<double> Steps(JsonObject i, ScalarType t, Func<IReadOnlyList<Parameter>, Gen.Optimizer> make, int steps)
    {
        var values = Values(i["p"]);
        var grads = i["grad"]!.AsArray();
        var ps = values.Select((v, k) => new Parameter(tensor(new[] { v }, t)) { grad = grads[k] is null ? null : tensor(new[] { grads[k]!.GetValue<double>() }, t) }).ToList();
        using var opt = make(ps);
        for (int s = 0; s < steps; s++) opt.Step();
        return ps.SelectMany(Read);
    }

    /// <summary>One tensor parameter stepped with a constant gradient; its values after each of <paramref name="after"/> steps.</summary>
    private static IEnumerable<double> OneTensor(double[] p0, double[] grad, ScalarType t, Func<IReadOnlyList<Parameter>, Gen.Optimizer> make, params int[] after)
    {
        var p = new Parameter(tensor(p0, t)) { grad = tensor(grad, t) };
        using var opt = make([p]);
        var result = new List<double>();
        for (int s = 1; s <= after.Max(); s++)
        {
            opt.Step();
            if (after.Contains(s)) result.AddRange(Read(p));
        }
        return result;
    }

    private static IEnumerable<double> Trajectory(JsonObject i, ScalarType t, Func<IReadOnlyList<Parameter>, Gen.Optimizer> make, params int[] after) =>
        OneTensor(Values(i["p"]), Values(i["grad"]), t, make, after);

    /// <summary>A state buffer after each of two steps.</summary>
    private static IEnumerable<double> Buffers(JsonObject i, ScalarType t, Func<IReadOnlyList<Parameter>, FusedOptimizer> make, string buffer)
    {
        var p = new Parameter(tensor(Values(i["p"]), t)) { grad = tensor(Values(i["grad"]), t) };
        using var opt = make([p]);
        var result = new List<double>();
        for (int s = 0; s < 2; s++) { opt.Step(); result.AddRange(Read(opt.StateDict().Params[0].Buffers[buffer])); }
        return result;
    }

    private static IEnumerable<double> SgdMomentumTwoSteps(JsonObject i, ScalarType t)
    {
        var p = new Parameter(tensor(Values(i["p"]), t)) { grad = tensor(Values(i["grad"]), t) };
        using var sgd = new SgdMomentum([p], lr: 0.1);
        sgd.Step();
        var first = Read(p);
        sgd.Step();
        return first.Concat(Read(p)).Concat(Read(sgd.StateDict().Params[0].Buffers["grad_avg"]));
    }

    private static IEnumerable<double> StepCounts(ScalarType t, params int[] after)
    {
        var p = new Parameter(zeros(1, dtype: t)) { grad = zeros(1, dtype: t) };
        using var opt = new OnlyStepStat([p]);
        var result = new List<double>();
        for (int s = 1; s <= after.Max(); s++)
        {
            opt.Step();
            if (after.Contains(s)) result.Add(opt.StateDict().Params[0].PerTensor["step"]);
        }
        return result;
    }

    private static IEnumerable<double> LarcOneStep(JsonObject i, ScalarType t, Func<IReadOnlyList<Parameter>, FusedOptimizer> make)
    {
        var ps = new[] { "0", "1" }.Select(k => new Parameter(tensor(Values(i["p" + k]), t)) { grad = tensor(Values(i["grad" + k]), t) }).ToList();
        using var larc = make(ps);
        larc.Step();
        var state = larc.StateDict();
        return state.Params.Select(s => s.PerTensor["local_lr"]).Concat(ps.SelectMany(Read));
    }
}
