using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>
/// Every composition fastai's optimizer functions can build, made through Gen's entry points with non-default
/// arguments, stepped against <see cref="FastaiReference"/> (an independent port of fastai's optimizer.py, itself
/// checked against fastai's own trajectories): two param groups with their own lr, weight decay on, do_wd off for one
/// parameter, a parameter without a gradient in one step; float64 and float32, the CPU kernel and the tensor path.
/// </summary>
public class CompositionParityTests
{
    private static readonly (string Function, Dictionary<string, object> Kwargs, (int K, double Alpha)? Lookahead)[] Calls =
    [
        ("SGD", new() { ["wd"] = 0.1 }, null),
        ("SGD", new() { ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("SGD", new() { ["mom"] = 0.8, ["wd"] = 0.1 }, null),
        ("SGD", new() { ["mom"] = 0.8, ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("RMSProp", new() { ["sqr_mom"] = 0.95, ["eps"] = 1e-6, ["wd"] = 0.1 }, null),
        ("RMSProp", new() { ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("RMSProp", new() { ["mom"] = 0.8, ["wd"] = 0.1 }, null),
        ("RMSProp", new() { ["mom"] = 0.8, ["sqr_mom"] = 0.9, ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("Adam", new() { ["mom"] = 0.85, ["sqr_mom"] = 0.95, ["eps"] = 1e-6, ["wd"] = 0.1 }, null),
        ("Adam", new() { ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("RAdam", new() { ["sqr_mom"] = 0.9, ["wd"] = 0.1, ["beta"] = 2.0 }, null),
        ("RAdam", new() { ["sqr_mom"] = 0.9, ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("QHAdam", new() { ["mom"] = 0.9, ["sqr_mom"] = 0.99, ["nu_1"] = 0.6, ["nu_2"] = 0.9, ["wd"] = 0.1 }, null),
        ("QHAdam", new() { ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("Larc", new() { ["wd"] = 0.1 }, null),
        ("Larc", new() { ["wd"] = 0.1, ["clip"] = false, ["trust_coeff"] = 0.05 }, null),
        ("Larc", new() { ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("Larc", new() { ["wd"] = 0.1, ["clip"] = false, ["decouple_wd"] = false }, null),
        ("Larc", new() { ["mom"] = 0.0, ["wd"] = 0.1 }, null),
        ("Larc", new() { ["mom"] = 0.0, ["wd"] = 0.1, ["clip"] = false }, null),
        ("Larc", new() { ["mom"] = 0.0, ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("Larc", new() { ["mom"] = 0.0, ["wd"] = 0.1, ["clip"] = false, ["decouple_wd"] = false }, null),
        ("Lamb", new() { ["mom"] = 0.8, ["wd"] = 0.1 }, null),
        ("Lamb", new() { ["wd"] = 0.1, ["decouple_wd"] = false }, null),
        ("ranger", new() { ["sqr_mom"] = 0.9 }, null),
        ("ranger", new() { ["decouple_wd"] = false, ["beta"] = 1.0 }, null),
        ("SGD", new() { ["mom"] = 0.9, ["wd"] = 0.1 }, (3, 0.6)),
        ("Adam", new() { ["decouple_wd"] = false }, (2, 0.5)),
    ];

    private static readonly long[][] Shapes = [[3, 2], [4], [2]];
    private static readonly int[][] Groups = [[0, 1], [2]];
    private const int Steps = 8;

    public static IEnumerable<object[]> Cases() =>
        from i in Enumerable.Range(0, Calls.Length)
        from dtype in new[] { "float64", "float32" }
        from backend in new[] { "kernel", "tensor" }
        select new object[] { i, Describe(Calls[i]), dtype, backend };

    private static string Describe((string Function, Dictionary<string, object> Kwargs, (int K, double Alpha)? Lookahead) call) =>
        $"{(call.Lookahead is { } l ? $"Lookahead(k={l.K}, alpha={l.Alpha}) of " : "")}{call.Function}({string.Join(", ", call.Kwargs.Select(kv => $"{kv.Key}={kv.Value}"))})";

    [Theory]
    [MemberData(nameof(Cases))]
    public void Entry_point_follows_fastai_step_by_step(int index, string call, string dtype, string backend)
    {
        var (function, kwargs, lookahead) = Calls[index];
        var random = new Random(index + 1);
        var initial = Shapes.Select(s => Enumerable.Range(0, (int)s.Aggregate(1L, (a, b) => a * b)).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
        var grads = Enumerable.Range(0, Steps).Select(step => initial.Select((p, i) => step == 3 && i == 1 ? null : p.Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray()).ToArray();
        double[] lrs = [0.05, 0.02];

        var oracle = FastaiReference.Create(function, lrs[0], kwargs, initial, Groups, lookahead);
        oracle.SetHyper("lr", 1, lrs[1]);
        oracle.SetDoWd(2, false);

        var type = dtype == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        var ps = initial.Select((v, i) => new Parameter(tensor(v, type).reshape(Shapes[i]))).ToList();
        using var opt = FastaiOptimizers.Create(function, lrs[0], kwargs, ps, Groups.Select(g => (IReadOnlyList<int>)g).ToList(), lookahead);
        Assert.Equal(FastaiOptimizers.ByComposition[string.Join(", ", oracle.Callbacks)], opt.Fused!.GetType());
        opt.Fused.UseTensorPath = backend == "tensor";
        opt.SetHyper("lr", 1, lrs[1]);
        opt.Fused.SetState("do_wd", 2, 0);

        for (int s = 0; s < Steps; s++)
        {
            for (int i = 0; i < ps.Count; i++) ps[i].grad = grads[s][i] is { } g ? tensor(g, type).reshape(Shapes[i]) : null;
            opt.Step();
            oracle.Step(grads[s]);
            var want = oracle.Params;
            for (int i = 0; i < ps.Count; i++)
            {
                var got = ps[i].to_type(ScalarType.Float64).data<double>().ToArray();
                for (int k = 0; k < got.Length; k++)
                {
                    double tolerance = dtype == "float64" ? 1e-12 * Math.Abs(want[i][k]) + 1e-15 : 1e-6 + 1e-5 * Math.Abs(want[i][k]);
                    Assert.True(Math.Abs(got[k] - want[i][k]) <= tolerance, $"{call} {dtype} {backend}: step {s + 1}, param {i}[{k}] = {got[k]:R}, fastai {want[i][k]:R}");
                }
            }
        }
    }

    [Fact]
    public void Every_composition_is_reached_by_a_case()
    {
        var reached = Calls.Select(c => string.Join(", ", FastaiReference.Create(c.Function, 0.1, c.Kwargs, [[0.0]], [[0]]).Callbacks)).ToHashSet();
        Assert.Empty(FastaiOptimizers.ByComposition.Keys.Except(reached));
    }
}
