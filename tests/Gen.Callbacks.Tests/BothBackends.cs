using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>The same steps on the CPU kernel and on the tensor path, from the same start and gradients.</summary>
internal static class BothBackends
{
    /// <summary>
    /// Steps float64 parameters of <paramref name="shapes"/> <paramref name="steps"/> times with random gradients, with the
    /// optimizer <paramref name="create"/> makes for the kernel (tensorPath false) and for the tensor path, and asserts the
    /// parameters and every element-state buffer end within 1e-12 of each other (libtorch orders and fuses its
    /// multiply-adds its own way, so last bits may differ).
    /// </summary>
    public static void AssertSameSteps(Func<IReadOnlyList<Parameter>, bool, FusedOptimizer> create, long[][] shapes, int steps, ulong seed)
    {
        double[] Run(bool tensorPath)
        {
            var generator = new Generator(seed);
            var ps = shapes.Select(s => new Parameter(randn(s, dtype: float64, generator: generator))).ToList();
            using var opt = create(ps, tensorPath);
            opt.UseTensorPath = tensorPath;
            for (int s = 0; s < steps; s++)
            {
                foreach (var p in ps) p.grad = randn(p.shape, dtype: float64, generator: generator);
                opt.Step();
            }
            var state = opt.StateDict().Params.SelectMany(p => p.Buffers.OrderBy(b => b.Key).SelectMany(b => b.Value.data<double>().ToArray()));
            return ps.SelectMany(p => p.data<double>().ToArray()).Concat(state).ToArray();
        }
        var (kernel, tensor) = (Run(tensorPath: false), Run(tensorPath: true));
        Assert.Equal(kernel.Length, tensor.Length);
        for (int j = 0; j < kernel.Length; j++) Assert.Equal(kernel[j], tensor[j], 1e-12 * Math.Max(1, Math.Abs(kernel[j])));
    }
}
