using System;
using System.Linq;

namespace Gen;

/// <summary>
/// A learning rate as fastai's fit methods take it: one value for every param group (a plain number converts),
/// or fastai's <c>slice(stop)</c> / <c>slice(start, stop)</c> spread over the groups (discriminative learning rates).
/// </summary>
public readonly record struct Lr
{
    private Lr(double? start, double stop, bool isSlice) => (Start, Stop, IsSlice) = (start, stop, isSlice);

    /// <summary>The start of <c>slice(start, stop)</c>: the first group's value when there are several; null for a plain value and for <c>slice(stop)</c>.</summary>
    public double? Start { get; }

    /// <summary>The plain value, or the last group's value of a slice.</summary>
    public double Stop { get; }

    /// <summary>Whether this is a slice spread over the param groups; false for one value for every group.</summary>
    public bool IsSlice { get; }

    /// <summary>A plain learning rate: <paramref name="value"/> for every param group.</summary>
    public static implicit operator Lr(double value) => new(null, value, isSlice: false);

    /// <summary>fastai's <c>slice(stop)</c>: the last group at <paramref name="stop"/>, the others at a tenth of it.</summary>
    public static Lr Slice(double stop) => new(null, stop, isSlice: true);

    /// <summary>fastai's <c>slice(start, stop)</c>: from <paramref name="start"/> (first group) to <paramref name="stop"/> (last), evenly spaced in log scale.</summary>
    public static Lr Slice(double start, double stop) => new(start, stop, isSlice: true);

    /// <summary>fastai's lr_range: the value of each of <paramref name="groups"/> param groups.</summary>
    public double[] PerGroup(int groups)
    {
        if (!IsSlice) return Enumerable.Repeat(Stop, groups).ToArray();
        if (Start is not double start)
            return Enumerable.Repeat(Stop / 10, groups - 1).Append(Stop).ToArray();
        if (groups == 1) return [Stop];
        double step = Math.Pow(Stop / start, 1.0 / (groups - 1));   // fastai's even_mults
        return Enumerable.Range(0, groups).Select(i => start * Math.Pow(step, i)).ToArray();
    }
}
