using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using Gen.Internals;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>
/// Tensors long enough to be split across cores give what the tensor path (TorchSharp ops) gives; that path
/// steps this group, several slices long, slice by slice.
/// </summary>
public class ParallelKernelTests
{
    [Theory]
    [InlineData(ScalarType.Float64, 1e-12, 1e-14)]
    [InlineData(ScalarType.Float32, 1e-5, 1e-6)]
    public void A_split_kernel_matches_the_tensor_path(ScalarType dtype, double rtol, double atol)
    {
        long length = 4 * ParallelChunks.MinLength + 7;   // several chunks and a tail that is not a whole vector
        Assert.True(length > ParallelChunks.MinLength && length > 2 * FlatGroup.CpuSliceLength);
        var (kernel, kernelParams) = Make(dtype, length, tensorPath: false);
        var (tensor, tensorParams) = Make(dtype, length, tensorPath: true);
        for (int step = 0; step < 3; step++)
        {
            SetGrad(kernelParams, step);
            SetGrad(tensorParams, step);
            kernel.Step();
            tensor.Step();
        }
        var expected = tensorParams.SelectMany(p => p.to(float64).data<double>().ToArray()).ToArray();
        var actual = kernelParams.SelectMany(p => p.to(float64).data<double>().ToArray()).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++)
            Assert.True(System.Math.Abs(actual[j] - expected[j]) <= rtol * System.Math.Abs(expected[j]) + atol, $"element {j}: {actual[j]} vs {expected[j]}");
        kernel.Dispose();
        tensor.Dispose();
    }

    private static (Adam, Parameter[]) Make(ScalarType dtype, long length, bool tensorPath)
    {
        var generator = new Generator(7);
        var ps = new[] { new Parameter(randn(length, dtype: dtype, generator: generator)), new Parameter(randn(5, dtype: dtype, generator: generator)) };
        return (new Adam(ps, lr: 0.01, wd: 0.1) { UseTensorPath = tensorPath }, ps);
    }

    private static void SetGrad(Parameter[] ps, int step)
    {
        var generator = new Generator((ulong)(100 + step));
        foreach (var p in ps) p.grad = randn(p.shape, dtype: p.dtype, generator: generator);
    }
}
