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
/// Replays fastai's optimizer trajectories (reference files' <c>trajectories</c>): same initial params, same
/// gradients (null: no gradient that step), params compared after every step — float64 at rtol 1e-12,
/// float32 against fastai's float32 run at rtol 1e-5, atol 1e-6 — on both backends: the fused CPU kernel
/// and the tensor path (forced on CPU).
/// </summary>
public class TrajectoryTests
{
    public static IEnumerable<object[]> Cases() =>
        from file in ReferenceFiles.All
        where file.Root["trajectories"] is not null
        from c in file.Root["trajectories"]!.AsArray()
        from dtype in new[] { "float64", "float32" }
        from backend in new[] { "kernel", "tensor" }
        select new object[] { file.Name, c!["id"]!.GetValue<string>(), dtype, backend };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Params_follow_fastai_step_by_step(string file, string id, string dtype, string backend)
    {
        var c = ReferenceFiles.All.Single(f => f.Name == file).Root["trajectories"]!.AsArray().Single(x => x!["id"]!.GetValue<string>() == id)!;
        var type = dtype == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        var shapes = c["param_shapes"]!.AsArray().Select(s => s!.AsArray().Select(d => d!.GetValue<long>()).ToArray()).ToList();
        var initial = c["initial_params"]!.AsArray().Select(Doubles).ToList();
        var ps = initial.Select((v, i) => new Parameter(tensor(v, type).reshape(shapes[i]))).ToList();
        var groups = c["param_groups"]!.AsArray().Select(g => (IReadOnlyList<int>)g!.AsArray().Select(i => i!.GetValue<int>()).ToList()).ToList();
        var hypers = c["hypers_per_group"]!.AsArray().Select(h => h!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>())).ToList();

        using var opt = Make(c, ps, groups);
        var inner = opt.Fused!;
        inner.UseTensorPath = backend == "tensor";
        foreach (var param in c["state_do_wd_false_for_params"]!.AsArray()) inner.SetState("do_wd", param!.GetValue<int>(), 0);
        for (int g = 0; g < hypers.Count; g++)
            foreach (var (name, value) in hypers[g]) inner.SetHyper(name, g, value);

        var expected = c[dtype == "float64" ? "expected_params" : "expected_params_float32_run"]!.AsArray();
        var grads = c["grads"]!.AsArray();
        for (int s = 0; s < grads.Count; s++)
        {
            for (int i = 0; i < ps.Count; i++)
                ps[i].grad = grads[s]![i] is JsonArray g ? tensor(Doubles(g), type).reshape(shapes[i]) : null;
            opt.Step();
            for (int i = 0; i < ps.Count; i++)
            {
                var want = Doubles(expected[s]![i]!);
                var got = ps[i].to_type(ScalarType.Float64).data<double>().ToArray();
                for (int k = 0; k < want.Length; k++)
                {
                    double tolerance = dtype == "float64" ? 1e-12 * Math.Abs(want[k]) : 1e-6 + 1e-5 * Math.Abs(want[k]);
                    Assert.True(Math.Abs(got[k] - want[k]) <= tolerance, $"{id} {dtype} {backend}: step {s + 1}, param {i}[{k}] = {got[k]:R}, fastai {want[k]:R}");
                }
            }
        }
    }

    private static double[] Doubles(JsonNode? node) => node!.AsArray().Select(x => x!.GetValue<double>()).ToArray();

    /// <summary>
    /// The case's optimizer made as fastai's call makes it (function, flags and hypers, through Gen's entry points), checked
    /// to have the composition fastai built; anything unmapped fails.
    /// </summary>
    private static Gen.Optimizer Make(JsonNode c, IReadOnlyList<Parameter> ps, IReadOnlyList<IReadOnlyList<int>> groups)
    {
        var function = c["optimizer"]!.GetValue<string>();
        if (function == "Lookahead")
        {
            var call = c["fastai_call"]!.GetValue<string>();
            var inner = System.Text.RegularExpressions.Regex.Match(call, @"^Lookahead\((\w+)\(");
            function = inner.Success ? inner.Groups[1].Value : throw new InvalidOperationException($"Cannot tell which optimizer '{call}' wraps.");
        }
        var kwargs = c["hypers_per_group"]![0]!.AsObject().Where(h => h.Key != "lr").ToDictionary(h => h.Key, h => (object)h.Value!.GetValue<double>());
        foreach (var (flag, value) in c["optimizer_flags"]!.AsObject()) kwargs[flag] = value!.GetValue<bool>();
        (int, double)? lookahead = c["lookahead"] is JsonObject l ? (l["k"]!.GetValue<int>(), l["alpha"]!.GetValue<double>()) : null;
        var opt = FastaiOptimizers.Create(function, lr: 0, kwargs, ps, groups, lookahead);
        var composition = string.Join(", ", c["fastai_optimizer_cbs"]!.AsArray().Select(x => x!.GetValue<string>()));
        if (!FastaiOptimizers.ByComposition.TryGetValue(composition, out var type))
            throw new InvalidOperationException($"No optimizer of this port has fastai's composition [{composition}] ({c["fastai_call"]}).");
        Assert.Equal(type, opt.Fused!.GetType());
        return opt;
    }

    [Fact]
    public void A_learner_trains_with_the_generated_adam_and_its_hypers_are_schedulable()
    {
        var x = randn(256, 1, generator: new Generator(0)); var y = 2 * x + 3;
        var model = nn.Linear(1, 1);
        using (no_grad()) { model.weight!.zero_(); model.bias!.zero_(); }   // independent of the process-wide generator
        using var learn = new Learner(model, DataLoaders.FromTensors(x, y, x, y, batchSize: 32),
                                      (p, t) => nn.functional.mse_loss(p, t), lr: 0.05);   // fastai's Adam by default
        double Loss() { using var _ = no_grad(); return nn.functional.mse_loss(model.forward(x), y).item<float>(); }
        double before = Loss();
        learn.Fit(10, wd: 0.001);
        Assert.True(Loss() < before / 100, $"loss {before} -> {Loss()}");
        var adam = Assert.IsType<Adam>(learn.Opt);
        Assert.Equal(0.001, adam.GetHyper("wd"));
        Assert.Equal(0.05, adam.GetHyper("lr"));
        adam.SetHyper("sqr_mom", 0.9);
        Assert.Equal(0.9, adam.GetHyper("sqrMom"));
        // A hyper no step reads is stored per group, as fastai's set_hyper; a near miss of a known name is a typo.
        adam.SetHyper("beta", 1);
        Assert.Equal(1, adam.GetHyper("beta"));
        Assert.Contains("'sqr_mon' is not a hyper-parameter of Adam; did you mean 'sqr_mom'? It has: lr, wd, mom, sqr_mom, eps, beta",
            Assert.Throws<ArgumentException>(() => adam.SetHyper("sqr_mon", 1)).Message);
    }
}
