// Gen benchmarks. `--quick`: a fast, self-timed run printing one JSON line per comparison and nothing
// else on standard output. `--loop`: only the loop comparison, four times (its value is a small difference,
// worth seeing repeated). `--fit [--rounds N] [--epochs N]`: whole Fashion-MNIST fits, Gen against a plain TorchSharp
// loop, each in its own process (`--fit-run`). `--memory [--batches N]`: resident memory over a long fit. Otherwise: BenchmarkDotNet with full statistics (pass its usual arguments).
using System;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Benchmarks.Dispatch;
using Benchmarks.Fit;
using Benchmarks.Loop;
using Benchmarks.Optim;

if (args.Contains("--loop"))
{
    for (int k = 0; k < 4; k++) foreach (var line in LoopQuick.Run()) Console.WriteLine(line.ToJson());
    return 0;
}
if (args.Contains("--fit")) return FitBenchmark.Run(args);
if (args.Contains("--memory")) return MemoryBenchmark.Run(args);
// `--fit-run <gen|plain> <seed> <epochs>`: one fit of --fit, in the process --fit starts for it.
if (args is ["--fit-run", var fitWay, var fitSeed, var fitEpochs]) return FitChild.Run(fitWay, long.Parse(fitSeed), int.Parse(fitEpochs));
if (args.Contains("--quick"))
{
    foreach (var line in DispatchQuick.Run().Concat(OptimQuick.Run()).Concat(LoopQuick.Run())) Console.WriteLine(line.ToJson());
    return 0;
}
// `--steps <adam|sgdmom> <resnet18|manysmall> <kernel|tensor|torchsharp> <n>`: n optimizer steps after three
// warm-up steps, and nothing else; count-torch-calls.sh runs it under perf to count native calls per step.
if (args is ["--steps", var optimizer, var set, var way, var n])
{
    using var cases = new OptimCases(optimizer, set);
    var step = way switch { "kernel" => cases.Kernel, "tensor" => cases.TensorPath, "torchsharp" => cases.TorchSharp, _ => throw new ArgumentException($"unknown way '{way}': kernel, tensor or torchsharp") };
    for (int k = 0; k < 3 + int.Parse(n); k++) step();
    return 0;
}
// In-process: TorchSharp's native library in this output folder is the one the build made loadable.
var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
BenchmarkSwitcher.FromAssembly(typeof(DispatchBenchmarks).Assembly).Run(args, config);
return 0;
