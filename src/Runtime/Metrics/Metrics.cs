using TorchSharp;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>fastai's standard metrics, under fastai's column names.</summary>
public static class Metrics
{
    /// <summary>Fraction of samples whose arg-max prediction along <paramref name="axis"/> is the target.</summary>
    public static Metric Accuracy(long axis = -1) => new AvgMetric((pred, targ) => AccuracyOf(pred, targ, axis), "accuracy");

    /// <summary>1 - accuracy.</summary>
    public static Metric ErrorRate(long axis = -1) => new AvgMetric((pred, targ) => 1 - AccuracyOf(pred, targ, axis), "error_rate");

    /// <summary>Fraction of samples whose target is among the <paramref name="k"/> highest predictions.</summary>
    public static Metric TopKAccuracy(int k = 5, int axis = -1) => new AvgMetric((pred, targ) =>
    {
        var top = pred.topk(k, dim: axis).indexes;
        return (top == targ.unsqueeze(-1)).sum(-1).to_type(ScalarType.Float64).mean();
    }, "top_k_accuracy");

    /// <summary>Mean absolute error (averaged over batches as fastai's mae).</summary>
    public static Metric Mae() => new AvgMetric((pred, targ) => (pred.flatten() - targ.flatten()).abs().mean(), "mae");

    /// <summary>Root mean squared error over the whole phase (fastai's rmse, column <c>_rmse</c>).</summary>
    public static Metric Rmse() => new AccumMetric((pred, targ) =>
    {
        using var mse = nn.functional.mse_loss(pred.flatten().to_type(ScalarType.Float64), targ.flatten().to_type(ScalarType.Float64));
        return System.Math.Sqrt(mse.ToDouble());
    }, "_rmse");

    /// <summary>
    /// F1 score averaged over classes without weights (fastai's F1Score(average='macro'), i.e. scikit-learn's): per class
    /// that occurs in the targets or the predictions, 2TP / (2TP + FP + FN), then the plain mean.
    /// </summary>
    public static Metric F1Macro(long axis = -1) => new AccumMetric((pred, targ) => F1Macro(pred.argmax(axis).flatten(), targ.flatten()), "f1_score");

    private static Tensor AccuracyOf(Tensor pred, Tensor targ, long axis) =>
        (pred.argmax(axis) == targ).to_type(ScalarType.Float64).mean();

    internal static double F1Macro(Tensor predicted, Tensor actual)
    {
        var p = predicted.to_type(ScalarType.Int64).data<long>().ToArray();
        var a = actual.to_type(ScalarType.Int64).data<long>().ToArray();
        var classes = p.Concat(a).Distinct().ToArray();
        return classes.Average(c =>
        {
            int tp = p.Where((v, i) => v == c && a[i] == c).Count();
            int fp = p.Where((v, i) => v == c && a[i] != c).Count();
            int fn = a.Where((v, i) => v == c && p[i] != c).Count();
            return 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
        });
    }
}
