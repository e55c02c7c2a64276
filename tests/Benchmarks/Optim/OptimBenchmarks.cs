using BenchmarkDotNet.Attributes;

namespace Benchmarks.Optim;

/// <summary>Full-statistics run of the optimizer comparison: one step, four ways, per optimizer and parameter set.</summary>
[MemoryDiagnoser]
public class OptimBenchmarks
{
    private OptimCases _cases = null!;

    [Params("adam", "sgdmom")]
    public string Optimizer { get; set; } = "adam";

    [Params("resnet18", "manysmall")]
    public string Set { get; set; } = "resnet18";

    [GlobalSetup]
    public void Setup() => _cases = new OptimCases(Optimizer, Set);

    [GlobalCleanup]
    public void Cleanup() => _cases.Dispose();

    [Benchmark(Baseline = true)]
    public void TorchSharp() => _cases.TorchSharp();

    [Benchmark]
    public void Kernel() => _cases.Kernel();

    [Benchmark]
    public void TensorPath() => _cases.TensorPath();

    [Benchmark]
    public void SameTraffic() => _cases.SameTraffic();
}
