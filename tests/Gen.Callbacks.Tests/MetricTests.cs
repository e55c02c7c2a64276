using System;
using System.Linq;
using Gen.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>fastai's metrics against values worked out by hand on small batches of different sizes.</summary>
public class MetricTests
{
    private static double Run(Metric metric, params (Tensor Pred, Tensor Targ)[] batches)
    {
        using var learn = SynthLearner.Create();
        metric.Reset();
        foreach (var (pred, targ) in batches)
        {
            (learn.Pred, learn.Yb) = (pred, targ);
            metric.Accumulate(learn);
        }
        return metric.Value;
    }

    private static Tensor Probs(params double[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);

    private static readonly (Tensor, Tensor)[] Classification =
    [
        (Probs([0.1, 0.9, 0.0], [0.8, 0.2, 0.0], [0.3, 0.6, 0.1]), tensor(new long[] { 1, 0, 2 })),   // right, right, wrong (2 is 3rd)
        (Probs([0.5, 0.1, 0.4]), tensor(new long[] { 2 })),                                              // wrong (2 is 2nd)
    ];

    [Fact]
    public void Accuracy_and_error_rate_average_over_samples_not_batches()
    {
        Assert.Equal(0.5, Run(Metrics.Accuracy(), Classification), 12);   // (2 + 0) / 4, not (2/3 + 0) / 2
        Assert.Equal(0.5, Run(Metrics.ErrorRate(), Classification), 12);
    }

    [Fact]
    public void Top_k_accuracy_counts_targets_among_the_k_highest() =>
        Assert.Equal(3 / 4.0, Run(Metrics.TopKAccuracy(k: 2), Classification), 12);   // the last sample's target is 2nd

    [Fact]
    public void F1_macro_is_the_plain_mean_over_classes()
    {
        // argmax: [1, 0, 1, 0], targets [1, 0, 2, 2]. Class 0: tp 1 fp 1 fn 0 -> 2/3; class 1: tp 1 fp 1 fn 0 -> 2/3; class 2: tp 0 fn 2 -> 0.
        Assert.Equal((2 / 3.0 + 2 / 3.0 + 0) / 3, Run(Metrics.F1Macro(), Classification), 12);
    }

    [Fact]
    public void Rmse_is_over_the_whole_phase_and_mae_averages_over_samples()
    {
        var batches = new[] { (tensor(new[] { 1.0, 2.0, 3.0 }), tensor(new[] { 1.0, 1.0, 1.0 })), (tensor(new[] { 5.0 }), tensor(new[] { 1.0 })) };
        Assert.Equal(Math.Sqrt((0 + 1 + 4 + 16) / 4.0), Run(Metrics.Rmse(), batches), 12);
        Assert.Equal((0 + 1 + 2 + 4) / 4.0, Run(Metrics.Mae(), batches), 12);
    }
}
