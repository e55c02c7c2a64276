using BenchmarkDotNet.Attributes;
using Gen;

namespace Benchmarks.Loop;

/// <summary>Full-statistics run of the loop comparison: one epoch (200 training and 2 validation batches) with and without the default callbacks.</summary>
[MemoryDiagnoser]
public class LoopBenchmarks
{
    private Learner _bare = null!, _full = null!;
    private ParamScheduler _scheduler = null!;

    [GlobalSetup]
    public void Setup() => (_bare, _full) = (LoopQuick.Bare(), LoopQuick.WithDefaultCallbacks(out _scheduler));

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _full.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void NoCallbacks() => _bare.Fit(1);

    [Benchmark]
    public void DefaultCallbacks() => _full.Fit(1, cbs: [_scheduler]);
}
