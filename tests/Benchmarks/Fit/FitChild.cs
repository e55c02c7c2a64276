using System;
using FashionMnist;
using static TorchSharp.torch;

namespace Benchmarks.Fit;

/// <summary>
/// One fit in a process of its own (<c>--fit-run gen|plain &lt;seed&gt; &lt;epochs&gt;</c>, started by <see cref="FitBenchmark"/>):
/// loads the data, trains one way, writes its <see cref="FitResult"/> as the only line on standard output.
/// </summary>
public static class FitChild
{
    public const int BatchSize = 128;

    public static int Run(string way, long seed, int epochs)
    {
        Func<FashionMnistData, long, int, FitResult> fit = way switch
        {
            "gen" => GenFit.Run,
            "plain" => PlainTorchSharpFit.Run,
            _ => throw new ArgumentException($"unknown way '{way}': gen or plain"),
        };
        set_num_threads(Environment.ProcessorCount);   // both ways alike: one intra-op thread per core
        var data = FashionMnistData.Load(null);
        Console.Error.WriteLine($"{way}: {data.Describe()}");
        var result = fit(data, seed, epochs);
        Console.Out.WriteLine(result.ToLine());
        return 0;
    }
}
