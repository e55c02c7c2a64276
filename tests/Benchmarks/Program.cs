// Gen benchmarks. `--quick`: a fast, self-timed run printing one JSON line per comparison and nothing
// else on standard output. Otherwise: BenchmarkDotNet with full statistics (pass its usual arguments).
using System;
using System.Linq;
using BenchmarkDotNet.Running;
using Benchmarks.Dispatch;

if (args.Contains("--quick"))
{
    foreach (var line in DispatchQuick.Run()) Console.WriteLine(line.ToJson());
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(DispatchBenchmarks).Assembly).Run(args);
return 0;
