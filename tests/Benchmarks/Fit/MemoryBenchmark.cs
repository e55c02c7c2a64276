using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using FashionMnist;
using Gen;
using static TorchSharp.torch;

namespace Benchmarks.Fit;

/// <summary>
/// <c>--memory [--batches N]</c>: a fit of N training batches (5,000 by default) of the sample's CNN on Fashion-MNIST
/// (the full set when present, else the slice) with the Learner's default callbacks, fastai's Adam and one-cycle; the
/// process's resident memory is sampled every 100 batches. Prints one JSON line: resident memory after the warm-up
/// (the first tenth of the batches), at the end and at most, and the growth after the warm-up in percent; on standard
/// error the samples, live tensors and GC collections (<c>GEN_COLLECT_EACH_EPOCH=0</c> shows the growth without
/// <see cref="EpochCollection"/>).
/// </summary>
public static partial class MemoryBenchmark
{
    /// <summary>Samples the resident set size every <see cref="Every"/> training batches.</summary>
    private sealed partial class RssSampler(int every) : Callback
    {
        public int Every { get; } = every;
        public List<(long Batch, double Mb)> Samples { get; } = [];
        private long _batches;

        [Event]
        void AfterBatch(Learner learn)
        {
            if (!learn.Training || ++_batches % Every != 0) return;
            Samples.Add((_batches, ResidentMb()));
        }
    }

    public static int Run(string[] args)
    {
        int at = Array.IndexOf(args, "--batches");
        int batches = at >= 0 ? int.Parse(args[at + 1]) : 5000;
        set_num_threads(Environment.ProcessorCount);
        var data = FashionMnistData.Load(null);
        Console.Error.WriteLine($"memory: {data.Describe()}");
        manual_seed(0);
        using var dls = DataLoaders.FromTensors(data.XTrain, data.YTrain, data.XValid, data.YValid, batchSize: FitChild.BatchSize, 0);
        int perEpoch = dls.Train.Count;
        int epochs = (batches + perEpoch - 1) / perEpoch;
        var sampler = new RssSampler(100);
        using var learn = new Learner(SimpleCnn.Create(), dls, (p, t) => nn.functional.cross_entropy(p, t),
                                      metrics: [Metrics.Accuracy()], cbs: [Progress.Quiet(), sampler]);
        learn.FitOneCycle(epochs, 1e-2);

        var samples = sampler.Samples;
        Console.Error.WriteLine("memory: resident MB every 100 batches: " + string.Join(" ", samples.Select(s => s.Mb.ToString("F0"))));
        Console.Error.WriteLine($"memory: live tensors {Tensor.TotalCount}, managed heap {GC.GetTotalMemory(false) / 1e6:F1} MB, collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, EpochCollection {(EpochCollection.Enabled ? "on" : "off")}");
        var warm = samples.First(s => s.Batch >= samples[^1].Batch / 10);
        double growth = 100 * (samples[^1].Mb - warm.Mb) / warm.Mb;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            name = "fit.memory.rss",
            batches = samples[^1].Batch,
            warmup_batch = warm.Batch,
            warmup_mb = Math.Round(warm.Mb, 1),
            final_mb = Math.Round(samples[^1].Mb, 1),
            max_mb = Math.Round(samples.Max(s => s.Mb), 1),
            growth_pct = Math.Round(growth, 2),
        }));
        return 0;
    }

    // VmRSS from /proc (Linux); elsewhere the working set, which is the same figure on Windows.
    private static double ResidentMb()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }
}
