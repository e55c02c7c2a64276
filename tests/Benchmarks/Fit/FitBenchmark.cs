using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;

namespace Benchmarks.Fit;

/// <summary>
/// <c>--fit [--rounds N] [--epochs N]</c>: whole Fashion-MNIST fits of the sample's simple CNN, Gen's Learner against the
/// plain TorchSharp loop, each fit in a fresh process (nothing warmed, allocated or tuned by one fit helps the next),
/// alternating gen, plain, gen, plain... so that the shared machine's slow spells hit both. Each run's result goes to
/// standard error (the gen children add their time per phase); standard output gets the one JSON line of the medians.
/// </summary>
public static class FitBenchmark
{
    public static int Run(string[] args)
    {
        int rounds = IntOption(args, "--rounds", 3), epochs = IntOption(args, "--epochs", 1);
        string[] ways = ["gen", "plain"];
        var results = ways.ToDictionary(way => way, _ => new List<FitResult>());
        for (int round = 1; round <= rounds; round++)
            foreach (var way in ways)
            {
                string load = LoadAverage();
                var result = RunChild(way, seed: round, epochs);   // both ways of a round start from the same weights
                Console.Error.WriteLine($"round {round}/{rounds} {way}: {result} (load average before: {load})");
                results[way].Add(result);
            }
        foreach (var way in ways)   // both ways train on the same batches from the same weights: accuracy is compared by seed too
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{way}: median {Median(results[way], r => r.Seconds):F2} s, median accuracy {Median(results[way], r => r.Accuracy):P2}, mean accuracy {results[way].Average(r => r.Accuracy):P2}, mean valid_loss {results[way].Average(r => r.ValidLoss):F4}"));
        var line = new Comparison("fit.fmnist.gen", "s_per_fit", Median(results["gen"], r => r.Seconds),
                                  "fit.fmnist.plain-torchsharp", Median(results["plain"], r => r.Seconds), AllocatedBytes: 0);
        Console.WriteLine(line.ToJson());
        return 0;
    }

    /// <summary>Starts this benchmark's own executable (the apphost, or dotnet with this assembly) with <c>--fit-run</c>; its standard error goes straight to ours.</summary>
    private static FitResult RunChild(string way, long seed, int epochs)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable runs this process");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var arg in new[] { "--fit-run", way, $"{seed}", $"{epochs}" }) start.ArgumentList.Add(arg);

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        var lines = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        child.WaitForExit();
        if (child.ExitCode != 0 || lines.Length == 0)
            throw new InvalidOperationException($"the {way} fit (seed {seed}) exited with code {child.ExitCode}; its standard error is above");
        return FitResult.Parse(lines[^1]);
    }

    /// <summary>The 1-minute load average where Linux tells it: on a shared machine, the likeliest reason for a slow run.</summary>
    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static double Median(List<FitResult> results, Func<FitResult, double> value)
    {
        var sorted = results.Select(value).Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        if (at < 0) return fallback;
        if (at + 1 < args.Length && int.TryParse(args[at + 1], out int value) && value >= 1) return value;
        throw new ArgumentException($"{name} takes a whole number of at least 1");
    }
}
