using System;
using System.Collections.Generic;
using System.Linq;

namespace Gen;

/// <summary>A suggested learning rate, and the point (lr, loss) to mark on the lr-finder plot.</summary>
public readonly record struct LrSuggestion(string Method, double Lr, double PointLr, double PointLoss);

/// <summary>
/// fastai's learning-rate suggestions from an lr-finder run: each takes the recorded lrs and smoothed losses
/// (fastai drops the first tenth of the run and the last 5 batches first; see <see cref="FitPolicies.LrFind"/>).
/// </summary>
public static class LrSuggestions
{
    /// <summary>
    /// A suggestion rule (one of fastai's <c>suggest_funcs</c>, e.g. <see cref="Valley"/>): from the lr-finder run's
    /// <paramref name="lrs"/> and smoothed <paramref name="losses"/>, the suggested lr and the point to mark.
    /// </summary>
    public delegate LrSuggestion Method(IReadOnlyList<double> lrs, IReadOnlyList<double> losses);

    /// <summary>fastai's valley (the default): the middle-ish of the longest run of decreasing losses.</summary>
    public static LrSuggestion Valley(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int n = losses.Count;
        var run = Enumerable.Repeat(1, n).ToArray();   // longest decreasing subsequence ending at i
        int start = 0, end = 0;
        for (int i = 1; i < n; i++)
            for (int j = 0; j < i; j++)
            {
                if (losses[i] < losses[j] && run[i] < run[j] + 1) run[i] = run[j] + 1;
                if (run[end] < run[i]) (end, start) = (i, i - run[i]);
            }
        double sections = (end - start) / 3.0;
        // A run that starts at the first point has start = -1 (fastai's off-by-one); on a short run idx is then -1,
        // which Python reads as the LAST point, the largest lr. The run's first point is the sensible answer.
        int idx = Math.Max(0, start + (int)sections + (int)(sections / 2));
        return new("valley", lrs[idx], lrs[idx], losses[idx]);
    }

    /// <summary>fastai's slide rule: walks left from the end until the loss slopes lrDiff batches apart agree within thresh.</summary>
    public static LrSuggestion Slide(IReadOnlyList<double> lrs, IReadOnlyList<double> losses, int lrDiff = 15, double thresh = 0.005, double adjustValue = 1)
    {
        int n = losses.Count;
        if (n <= lrDiff) throw new ArgumentException($"slide needs more than lrDiff = {lrDiff} points; the run recorded {n}. Run the finder longer (numIt).");
        var gradient = Gradient(losses);
        int r = n - 1, l = r - lrDiff;
        double localMin = lrs[l];
        while (l >= 0 && Math.Abs(gradient[r] - gradient[l]) > thresh)
        {
            localMin = lrs[l];
            r--;
            l--;
        }
        double suggestion = localMin * adjustValue;
        return new("slide", suggestion, suggestion, Interpolate(Math.Log10(suggestion), lrs.Select(Math.Log10).ToArray(), losses));
    }

    /// <summary>fastai's minimum: a tenth of the lr at the lowest loss.</summary>
    public static LrSuggestion Minimum(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int idx = ArgMin(losses);
        return new("minimum", lrs[idx] / 10, lrs[idx], losses[idx]);
    }

    /// <summary>fastai's steep: the lr where the loss falls fastest against log(lr).</summary>
    public static LrSuggestion Steep(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        var slopes = Enumerable.Range(0, losses.Count - 1)
            .Select(i => (losses[i + 1] - losses[i]) / (Math.Log(lrs[i + 1]) - Math.Log(lrs[i]))).ToArray();
        int idx = ArgMin(slopes);
        return new("steep", lrs[idx], lrs[idx], losses[idx]);
    }

    private static int ArgMin(IReadOnlyList<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Count; i++) if (values[i] < values[best]) best = i;
        return best;
    }

    /// <summary>numpy's gradient: central differences inside, one-sided at the ends.</summary>
    private static double[] Gradient(IReadOnlyList<double> f)
    {
        int n = f.Count;
        var g = new double[n];
        g[0] = f[1] - f[0];
        g[n - 1] = f[n - 1] - f[n - 2];
        for (int i = 1; i < n - 1; i++) g[i] = (f[i + 1] - f[i - 1]) / 2;
        return g;
    }

    /// <summary>numpy's interp over increasing <paramref name="xs"/>: clamps outside the range.</summary>
    private static double Interpolate(double x, double[] xs, IReadOnlyList<double> ys)
    {
        if (x <= xs[0]) return ys[0];
        for (int i = 1; i < xs.Length; i++)
            if (x <= xs[i]) return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
        return ys[^1];
    }
}
