using System.Collections.Generic;

namespace Benchmarks.Optim;

/// <summary>
/// Quick-mode lines, for S in resnet18 and manysmall and O in adam and sgdmom: <c>optim.O.kernel.S</c> and
/// <c>optim.O.tensor.S</c> against <c>optim.O.torchsharp.S</c>, and <c>optim.O.kernel-vs-traffic.S</c> against <c>optim.sametraffic.S</c>.
/// </summary>
public static class OptimQuick
{
    public static IEnumerable<Comparison> Run()
    {
        foreach (var set in new[] { "resnet18", "manysmall" })
            foreach (var optimizer in new[] { "adam", "sgdmom" })
            {
                using var cases = new OptimCases(optimizer, set);
                var r = Measure.Interleaved([cases.Kernel, cases.TorchSharp, cases.SameTraffic, cases.TensorPath], rounds: 25, warmupMs: 200);
                var (kernel, torchSharp, traffic, tensor) = (r[0], r[1], r[2], r[3]);
                yield return new Comparison($"optim.{optimizer}.kernel.{set}", "ms_per_step", kernel.NsPerOp / 1e6,
                    $"optim.{optimizer}.torchsharp.{set}", torchSharp.NsPerOp / 1e6, kernel.BytesPerOp);
                yield return new Comparison($"optim.{optimizer}.tensor.{set}", "ms_per_step", tensor.NsPerOp / 1e6,
                    $"optim.{optimizer}.torchsharp.{set}", torchSharp.NsPerOp / 1e6, tensor.BytesPerOp);
                yield return new Comparison($"optim.{optimizer}.kernel-vs-traffic.{set}", "ms_per_step", kernel.NsPerOp / 1e6,
                    $"optim.sametraffic.{set}", traffic.NsPerOp / 1e6, kernel.BytesPerOp);
            }
    }
}
