using BenchmarkDotNet.Attributes;

namespace Benchmarks.Dispatch;

/// <summary>Full-statistics run of the dispatch comparison (one operation = one training batch's events).</summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private DispatchCases _cases = null!;

    [Params(1, 10, 50)]
    public int K { get; set; }

    [GlobalSetup]
    public void Setup() => _cases = new DispatchCases(K, BenchLearner.Create());

    [Benchmark(Baseline = true)]
    public void Reflection() => _cases.ReflectionBatch();

    [Benchmark]
    public void Pipeline() => _cases.PipelineBatch();

    [Benchmark]
    public void Dynamic() => _cases.DynamicBatch();
}
