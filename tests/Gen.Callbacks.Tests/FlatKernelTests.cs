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
    /// <summary>
    /// 40 parameters of 4,000 elements: one group is long enough to be split across cores. Parameter 7 has
    /// weight decay off (fastai's do_wd = False) and parameter 20 sits out steps 3 and 4 (no gradient), so the
    /// group steps in several runs, and the skipped parameter's state falls behind the others'.
    /// </summary>
    private static (List<Parameter> Params, OptimizerState State) Train(string name, ScalarType dtype, bool flat)
    {
        var generator = new Generator(7);
        var ps = Enumerable.Range(0, 40).Select(i => new Parameter(randn([40, 100], dtype: dtype, generator: generator))).ToList();
        using var opt = EveryOptimizer.Create(name, ps, flat ? null : EveryOptimizer.OnePerParameter(ps.Count));
        opt.SetState("no_wd", 7, 1);
        for (int s = 0; s < 8; s++)
        {
            for (int i = 0; i < ps.Count; i++)
                ps[i].grad = i == 20 && s is 3 or 4 ? null : randn(ps[i].shape, dtype: dtype, generator: generator);
            opt.Step();
        }
        return (ps, opt.StateDict());
    }

    [Theory]
    [MemberData(nameof(EveryOptimizer.Names), MemberType = typeof(EveryOptimizer))]
    public void A_flat_group_steps_exactly_as_its_parameters_one_by_one(string name)
    {
        foreach (var dtype in new[] { float32, float64 })
        {
            var (expected, expectedState) = Train(name, dtype, flat: false);
            var (actual, actualState) = Train(name, dtype, flat: true);
            for (int i = 0; i < expected.Count; i++)
                Assert.Equal(Values(expected[i]), Values(actual[i]));
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expectedState.Params[i].PerTensor, actualState.Params[i].PerTensor);
                Assert.Equal(expectedState.Params[i].Buffers.Keys.Order(), actualState.Params[i].Buffers.Keys.Order());
                foreach (var (buffer, values) in expectedState.Params[i].Buffers)
                    Assert.Equal(Values(values), Values(actualState.Params[i].Buffers[buffer]));
            }
        }
    }

    private static double[] Values(Tensor t) => t.detach().to(float64).data<double>().ToArray();

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
}
