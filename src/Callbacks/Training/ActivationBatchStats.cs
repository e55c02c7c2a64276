using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// One layer's activations on one training batch, as fastai's ActivationStats hook records them: mean, std (unbiased,
/// torch's default), the share of activations at most <see cref="NearZeroLimit"/> (fastai's near_zero) and, when asked,
/// the counts of a histogram of <see cref="HistBins"/> bins over [<see cref="HistMin"/>, <see cref="HistMax"/>]
/// (torch's histc: values outside are not counted). Plain numbers: nothing of the batch's tensors is kept.
/// </summary>
public sealed record ActivationBatchStats(double Mean, double Std, double NearZero, double[]? Hist)
{
    /// <summary>fastai's threshold for "near zero": o &lt;= 0.05.</summary>
    public const double NearZeroLimit = 0.05;

    /// <summary>fastai's with_hist histogram: histc(40, 0, 10).</summary>
    public const int HistBins = 40;
    /// <summary>The histogram's range, histc's min and max (fastai's 0 and 10): values outside it are not counted.</summary>
    public const double HistMin = 0, HistMax = 10;

    /// <summary>A layer that did not run in a recorded batch (its stats are NaN, it has no histogram).</summary>
    public static ActivationBatchStats Missing { get; } = new(double.NaN, double.NaN, double.NaN, null);

    /// <summary>The stats of <paramref name="output"/>, computed in float32 as fastai's <c>o.float()</c>, without autograd.</summary>
    public static ActivationBatchStats Of(Tensor output, bool withHist)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var o = output.detach().to(ScalarType.Float32);
        long count = o.numel();
        // One read from the device for the three numbers (the count in float64: exact beyond float32's 2^24).
        var numbers = stack([o.mean().to(ScalarType.Float64), o.std().to(ScalarType.Float64), o.le(NearZeroLimit).sum().to(ScalarType.Float64)])
            .cpu().data<double>().ToArray();
        double[]? hist = withHist
            ? o.histc(HistBins, (long)HistMin, (long)HistMax).to(ScalarType.Float64).cpu().data<double>().ToArray()
            : null;
        return new(numbers[0], numbers[1], count == 0 ? double.NaN : numbers[2] / count, hist);
    }
}
