using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>The tensor path over one flat buffer per param group gives what the CPU kernel gives, one parameter at a time.</summary>
public class FlatTensorPathTests
{
    private static Sequential Model(int seed)
    {
        random.manual_seed(seed);
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).to(float64);
    }

    /// <summary>Three steps of Adam over a model, gradients accumulated by backward into whatever .grad holds.</summary>
    private static (Sequential, Adam) Train(bool tensorPath, int steps = 3)
    {
        var model = Model(3);
        var ps = model.parameters().ToList();
        // The kernel one parameter at a time, against the tensor path over two flat groups.
        var adam = new Adam(ps, lr: 0.05, wd: 0.1, groups: tensorPath ? [[0, 1], [2, 3]] : EveryOptimizer.OnePerParameter(ps.Count)) { UseTensorPath = tensorPath };
        var x = randn(16, 4, dtype: float64, generator: new Generator(5));
        var y = randn(16, 3, dtype: float64, generator: new Generator(6));
        for (int s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            nn.functional.mse_loss(model.call(x), y).backward();
            adam.Step();
            adam.ZeroGrad();
        }
        return (model, adam);
    }

    private static double[] Values(nn.Module model) => model.parameters().SelectMany(p => p.data<double>().ToArray()).ToArray();

    [Fact]
    public void Training_a_model_on_the_flat_tensor_path_matches_the_kernel()
    {
        var (kernelModel, kernel) = Train(tensorPath: false);
        var (flatModel, flat) = Train(tensorPath: true);
        var expected = Values(kernelModel);
        var actual = Values(flatModel);
        for (int j = 0; j < expected.Length; j++) Assert.Equal(expected[j], actual[j], 1e-12);
        var (a, b) = (kernel.StateDict(), flat.StateDict());
        for (int i = 0; i < a.Params.Count; i++)
        {
            Assert.Equal(a.Params[i].PerTensor["step"], b.Params[i].PerTensor["step"]);
            // libtorch's double sqrt is not always correctly rounded (Math.Sqrt is), so the two paths may differ in the last bit.
            var (sqrAvgA, sqrAvgB) = (a.Params[i].Buffers["sqr_avg"].data<double>().ToArray(), b.Params[i].Buffers["sqr_avg"].data<double>().ToArray());
            for (int j = 0; j < sqrAvgA.Length; j++) Assert.Equal(sqrAvgA[j], sqrAvgB[j], 1e-12 * Math.Abs(sqrAvgA[j]));
        }
    }

    [Fact]
    public void A_group_lives_in_one_buffer_and_backward_accumulates_into_its_gradient()
    {
        var (model, adam) = Train(tensorPath: true, steps: 1);
        var ps = model.parameters().ToList();
        // Parameters 0 and 1 (group 0) are consecutive in one buffer: the flat layout was used.
        Assert.Equal(ps[0].data<double>().Count + Offset(ps[0]), Offset(ps[1]));
        Assert.All(ps, p => Assert.All(p.grad!.data<double>().ToArray(), g => Assert.Equal(0.0, g)));   // ZeroGrad zeroed the flat gradients
        adam.Dispose();
    }

    private static long Offset(Tensor t) => t.storage_offset();

    /// <summary>Twelve steps: past RAdam's warm-up (its rectified branch starts at step 6), over every optimizer.</summary>
    [Theory]
    [MemberData(nameof(EveryOptimizer.Names), MemberType = typeof(EveryOptimizer))]
    public void Every_optimizer_takes_the_same_steps_on_both_backends(string name)
    {
        // The kernel one parameter at a time, against the tensor path over the group's flat buffers.
        BothBackends.AssertSameSteps((ps, tensorPath) => EveryOptimizer.Create(name, ps, tensorPath ? null : EveryOptimizer.OnePerParameter(ps.Count)),
            [[3, 5], [5], [7]], steps: 12, seed: 11);
    }

    [Fact]
    public void A_parameter_without_gradient_is_skipped_on_the_flat_path_as_on_the_kernel()
    {
        double[] Run(bool tensorPath)
        {
            var ps = new List<Parameter> { new(tensor(new[] { 1.0, 2.0 })), new(tensor(new[] { 3.0 })), new(tensor(new[] { -1.0, 0.5 })) };
            using var adam = new Adam(ps, lr: 0.1, groups: tensorPath ? null : EveryOptimizer.OnePerParameter(ps.Count)) { UseTensorPath = tensorPath };
            for (int s = 0; s < 3; s++)
            {
                ps[0].grad = tensor(new[] { 0.5, -0.5 });
                if (s != 1) ps[1].grad = tensor(new[] { 0.25 }); else ps[1].grad = null;   // parameter 1 sits out step 1
                ps[2].grad = tensor(new[] { -0.1, 0.2 });
                adam.Step();
            }
            return ps.SelectMany(p => p.data<double>().ToArray()).ToArray();
        }
        var (expected, actual) = (Run(tensorPath: false), Run(tensorPath: true));
        for (int j = 0; j < expected.Length; j++) Assert.Equal(expected[j], actual[j], 1e-12);   // libtorch fuses multiply-adds: last-bit differences
    }
}
