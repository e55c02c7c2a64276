using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>
/// The fused CPU kernel over a param group's flat buffers (runs of parameters in one pass, split across cores)
/// takes exactly the steps it takes one parameter at a time.
/// </summary>
public class FlatKernelTests
{
    private const int Count = 40;

    private static List<Parameter> Params(ScalarType dtype, Generator generator) =>
        Enumerable.Range(0, Count).Select(_ => new Parameter(randn([40, 100], dtype: dtype, generator: generator))).ToList();

    /// <summary>The gradients of step <paramref name="s"/>: parameter 20 sits out steps 3 and 4 (no gradient, fastai skips it).</summary>
    private static void SetGrads(List<Parameter> ps, int s, ScalarType dtype, Generator generator)
    {
        for (int i = 0; i < ps.Count; i++)
            ps[i].grad = i == 20 && s is 3 or 4 ? null : randn(ps[i].shape, dtype: dtype, generator: generator);
    }

    /// <summary>
    /// 40 parameters of 4,000 elements in one group, or one group each. Parameter 2 has weight decay off (fastai's
    /// do_wd = False), so the group steps as runs: [0, 1], 2, and [3, 39], 148,000 elements starting partway into the
    /// buffers, long enough to be split across cores; in steps 3 and 4 parameter 20's absence splits that run too.
    /// </summary>
    private static (List<Parameter> Params, OptimizerState State) Train(string name, ScalarType dtype, bool flat, int maxRunLength = 0)
    {
        var generator = new Generator(7);
        var ps = Params(dtype, generator);
        using var opt = EveryOptimizer.Create(name, ps, flat ? null : EveryOptimizer.OnePerParameter(ps.Count));
        if (maxRunLength > 0) opt.MaxRunLength = maxRunLength;
        opt.SetState("no_wd", 2, 1);
        for (int s = 0; s < 8; s++)
        {
            SetGrads(ps, s, dtype, generator);
            opt.Step();
        }
        // The layout each way takes: one buffer for the group, or each parameter its own.
        Assert.Equal(flat ? ps[0].numel() : 0, ps[1].storage_offset());
        return (ps, opt.StateDict());
    }

    private static double[] Values(Tensor t) => t.detach().to(float64).data<double>().ToArray();

    private static void AssertSame((List<Parameter> Params, OptimizerState State) expected, (List<Parameter> Params, OptimizerState State) actual)
    {
        for (int i = 0; i < expected.Params.Count; i++)
        {
            Assert.Equal(Values(expected.Params[i]), Values(actual.Params[i]));
            Assert.Equal(expected.State.Params[i].PerTensor, actual.State.Params[i].PerTensor);
            Assert.Equal(expected.State.Params[i].Buffers.Keys.Order(), actual.State.Params[i].Buffers.Keys.Order());
            foreach (var (buffer, values) in expected.State.Params[i].Buffers)
                Assert.Equal(Values(values), Values(actual.State.Params[i].Buffers[buffer]));
        }
    }

    [Theory]
    [MemberData(nameof(EveryOptimizer.Elementwise), MemberType = typeof(EveryOptimizer))]
    public void A_flat_group_steps_exactly_as_its_parameters_one_by_one(string name)
    {
        foreach (var dtype in new[] { float32, float64 })
            AssertSame(Train(name, dtype, flat: false), Train(name, dtype, flat: true));
    }

    [Fact]
    public void A_run_too_long_for_one_kernel_call_is_stepped_in_pieces_from_the_same_state()
    {
        // Pieces of 1,000 elements: every parameter spans several, and the step count must advance once, not per piece.
        AssertSame(Train("Adam", float32, flat: false), Train("Adam", float32, flat: true, maxRunLength: 1000));
    }

    [Fact]
    public void The_tensor_path_over_a_group_of_several_slices_advances_the_step_once()
    {
        // Three parameters of 100,000 elements: the group's flat buffers span two CPU slices (FlatGroup.CpuSliceLength),
        // prepared once and run slice by slice. Adam's debiasing reads the step count, so a count advanced per slice
        // would give the second slice other values than the parameters stepped one by one.
        Assert.True(3 * 100_000 > Internals.FlatGroup.CpuSliceLength);
        List<Parameter> Run(bool flat)
        {
            var generator = new Generator(11);
            var ps = Enumerable.Range(0, 3).Select(_ => new Parameter(randn([100_000], generator: generator))).ToList();
            using var adam = new Adam(ps, lr: 0.01, groups: flat ? null : EveryOptimizer.OnePerParameter(ps.Count)) { UseTensorPath = true };
            for (int s = 0; s < 3; s++)
            {
                foreach (var p in ps) p.grad = randn(p.shape, generator: generator);
                adam.Step();
            }
            Assert.Equal(flat ? 100_000 : 0, ps[1].storage_offset());
            Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(3, adam.GetState("step", i)));
            return ps;
        }
        var (expected, actual) = (Run(flat: false), Run(flat: true));
        for (int i = 0; i < 3; i++) Assert.Equal(Values(expected[i]), Values(actual[i]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parameters_without_elements_count_their_steps_as_one_by_one(bool tensorPath)
    {
        // A run (or a group, on the tensor path) of no elements still takes the step: its per-tensor code runs once.
        double[] Steps(bool flat)
        {
            var ps = new List<Parameter> { new(zeros(0)), new(zeros(0, 3)) };
            using var adam = new Adam(ps, lr: 0.1, groups: flat ? null : EveryOptimizer.OnePerParameter(ps.Count)) { UseTensorPath = tensorPath };
            for (int s = 0; s < 2; s++)
            {
                foreach (var p in ps) p.grad = zeros_like(p);
                adam.Step();
            }
            return ps.Select((_, i) => adam.GetState("step", i)).ToArray();
        }
        Assert.Equal([2.0, 2.0], Steps(flat: false));
        Assert.Equal([2.0, 2.0], Steps(flat: true));
    }

    [Fact]
    public void Saved_state_loaded_into_a_fresh_optimizer_continues_the_same_trajectory()
    {
        List<Parameter> Run(bool reload)
        {
            var generator = new Generator(9);
            var ps = Params(float32, generator);
            var adam = new Adam(ps, lr: 0.01);
            adam.SetState("no_wd", 2, 1);
            for (int s = 0; s < 6; s++)
            {
                if (reload && s == 3)
                {
                    var state = adam.StateDict();   // parameter 20 skipped steps 3 and 4 only: every parameter has state here
                    adam.Dispose();
                    adam = new Adam(ps, lr: 0.01);
                    adam.LoadStateDict(state);
                }
                SetGrads(ps, s, float32, generator);
                adam.Step();
            }
            adam.Dispose();
            return ps;
        }
        var (expected, actual) = (Run(reload: false), Run(reload: true));
        for (int i = 0; i < Count; i++) Assert.Equal(Values(expected[i]), Values(actual[i]));
    }

    [Fact]
    public void After_clear_state_a_group_steps_as_a_fresh_optimizer_would()
    {
        var generator = new Generator(5);
        var ps = Params(float64, generator);
        var copies = ps.Select(p => new Parameter(p.detach().clone())).ToList();
        using var used = new Adam(ps, lr: 0.01);
        SetGrads(ps, 0, float64, generator);
        used.Step();
        used.ClearState();
        foreach (var (p, c) in ps.Zip(copies)) using (no_grad()) c.copy_(p);
        using var fresh = new Adam(copies, lr: 0.01);
        for (int s = 1; s < 3; s++)
        {
            SetGrads(ps, s, float64, generator);
            for (int i = 0; i < Count; i++) copies[i].grad = ps[i].grad?.clone();
            used.Step();
            fresh.Step();
        }
        for (int i = 0; i < Count; i++) Assert.Equal(Values(copies[i]), Values(ps[i]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_parameter_without_a_gradient_keeps_none_when_its_group_goes_flat(bool tensorPath)
    {
        var ps = new List<Parameter> { new(tensor(new[] { 1.0, 2.0 })), new(tensor(new[] { 3.0 })), new(tensor(new[] { -1.0 })) };
        ps[0].grad = tensor(new[] { 0.5, -0.5 });
        ps[2].grad = tensor(new[] { 0.25 });
        using var adam = new Adam(ps, lr: 0.1) { UseTensorPath = tensorPath };
        adam.Step();
        adam.ZeroGrad();
        Assert.Null(ps[1].grad);                                   // fastai skips it, weight decay included
        Assert.Equal(3.0, ps[1].item<double>());
        Assert.Empty(adam.StateDict().Params[1].Buffers);
        Assert.Equal(0.0, ps[2].grad!.item<double>());              // the others' gradients live in the flat buffer, zeroed
    }

    [Fact]
    public void A_group_of_an_unsupported_dtype_fails_before_anything_moves()
    {
        var ps = new List<Parameter> { new(ones(3, dtype: float16)), new(ones(2, dtype: float16)) };
        foreach (var p in ps) p.grad = ones_like(p);
        using var adam = new Adam(ps, lr: 0.1);
        var error = Assert.Throws<System.NotSupportedException>(adam.Step);
        Assert.Contains("model.to(float32)", error.Message);
        Assert.Equal(0, ps[1].storage_offset());                   // still its own tensor
    }
}
