using System;
using System.Diagnostics;
using FashionMnist;
using Gen;
using static TorchSharp.torch;

namespace Benchmarks.Fit;

/// <summary>The fit as a Gen user writes it: a Learner with fastai's defaults (Adam, Recorder) and fit_one_cycle.</summary>
public static class GenFit
{
    public static FitResult Run(FashionMnistData data, long seed, int epochs)
    {
        manual_seed(seed);   // the loaders draw their shuffles from their own seed: the model's init is the first use of torch's generator
        var timing = new Timing();
        long start = Stopwatch.GetTimestamp();
        using var dls = DataLoaders.FromTensors(data.XTrain, data.YTrain, data.XValid, data.YValid, batchSize: FitChild.BatchSize, seed);
        using var learn = new Learner(SimpleCnn.Create(), dls, (p, t) => nn.functional.cross_entropy(p, t),
                                      metrics: [Metrics.Accuracy()], cbs: [Progress.Quiet(), timing]);
        learn.FitOneCycle(epochs, 1e-2);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        Console.Error.WriteLine("gen: time per phase of the fit (Timing callback)");
        timing.Write(Console.Error);
        var last = learn.Get<Recorder>()!.Values[^1];
        return new FitResult(seconds, last.ValidLoss, last.Metrics[0]);
    }
}
