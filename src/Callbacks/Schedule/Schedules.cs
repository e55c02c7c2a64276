using System;
using System.Collections.Generic;
using System.Linq;

namespace Gen;

/// <summary>A hyper-parameter schedule: its value at position <c>pos</c> in [0, 1] of training (fastai's scheduler functions).</summary>
public delegate double Schedule(double pos);

/// <summary>How <see cref="Schedules.CombineScheds"/> finds the phase and the position inside it.</summary>
public enum PhaseArithmetic
{
    /// <summary>float64, positions on a boundary start the next phase: the documented schedule.</summary>
    Exact,

    /// <summary>
    /// fastai 2.7.12's own arithmetic: boundaries are a float32 tensor, so positions are rounded to float32
    /// and the position inside a phase is computed in float32 (an SGDR restart can land an iteration late).
    /// </summary>
    FastaiFloat32,
}

/// <summary>
/// fastai's schedules, under fastai's names: <c>using static Gen.Schedules;</c> then <c>SchedCos(1e-3, 1e-2)</c>.
/// All arithmetic is float64.
/// </summary>
public static class Schedules
{
    /// <summary>Linear from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public static Schedule SchedLin(double start, double end) => pos => start + pos * (end - start);

    /// <summary>Half a cosine from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public static Schedule SchedCos(double start, double end) => pos => start + (1 + Math.Cos(Math.PI * (1 - pos))) * (end - start) / 2;

    /// <summary>Constant <paramref name="start"/> (fastai keeps the unused <paramref name="end"/>).</summary>
    public static Schedule SchedNo(double start, double end) => _ => start;

    /// <summary>Exponential from <paramref name="start"/> to <paramref name="end"/> (both positive).</summary>
    public static Schedule SchedExp(double start, double end) => pos => start * Math.Pow(end / start, pos);

    /// <summary>Polynomial of degree <paramref name="power"/> from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public static Schedule SchedPoly(double start, double end, double power) => pos => start + (end - start) * Math.Pow(pos, power);

    /// <summary>
    /// fastai's combine_scheds: <paramref name="scheds"/>[k] runs over the fraction <paramref name="pcts"/>[k] of
    /// training, each seeing its own position in [0, 1]. Unlike fastai, which keeps phase boundaries in float32,
    /// boundaries and positions are float64, and a position within 1e-12 of a boundary belongs to the next
    /// phase, so a phase starts exactly where the arithmetic says (an SGDR restart at its first iteration).
    /// </summary>
    public static Schedule CombineScheds(IReadOnlyList<double> pcts, IReadOnlyList<Schedule> scheds, PhaseArithmetic arithmetic = PhaseArithmetic.Exact)
    {
        if (pcts.Count != scheds.Count || pcts.Count == 0)
            throw new ArgumentException($"combine_scheds needs one fraction per schedule; got {pcts.Count} fractions and {scheds.Count} schedules.", nameof(pcts));
        if (pcts.Any(p => p < 0) || Math.Abs(pcts.Sum() - 1) > 1e-6)
            throw new ArgumentException($"The fractions of training must be non-negative and add up to 1; they add up to {pcts.Sum()}.", nameof(pcts));
        var schedules = scheds.ToArray();
        return arithmetic == PhaseArithmetic.Exact ? Exact(pcts, schedules) : FastaiFloat32(pcts, schedules);
    }

    private static Schedule Exact(IReadOnlyList<double> pcts, Schedule[] schedules)
    {
        var bounds = new double[pcts.Count + 1];
        for (int k = 0; k < pcts.Count; k++) bounds[k + 1] = bounds[k] + pcts[k];
        return pos =>
        {
            if (pos >= 1) return schedules[^1](1.0);
            int phase = 0;
            for (int k = 1; k < schedules.Length; k++)
                if (pos >= bounds[k] - 1e-12 * Math.Max(1, Math.Abs(bounds[k]))) phase = k;
            double within = Math.Max(0, pos - bounds[phase]) / (bounds[phase + 1] - bounds[phase]);
            return schedules[phase](within);
        };
    }

    private static Schedule FastaiFloat32(IReadOnlyList<double> pcts, Schedule[] schedules)
    {
        // torch.tensor([0] + pcts).cumsum(0): float32 values, summed in double (torch's CPU accumulator), stored as float32.
        var bounds = new float[pcts.Count + 1];
        double sum = 0;
        for (int k = 0; k < pcts.Count; k++) bounds[k + 1] = (float)(sum += (float)pcts[k]);
        return pos =>
        {
            if ((int)pos == 1) return schedules[^1](1.0);
            float pos32 = (float)pos;
            int phase = 0;
            for (int k = 1; k < schedules.Length; k++)
                if (pos32 >= bounds[k]) phase = k;
            float within = (pos32 - bounds[phase]) / (bounds[phase + 1] - bounds[phase]);
            return schedules[phase](within);
        };
    }

    /// <summary>fastai's combined_cos: a cosine from <paramref name="start"/> to <paramref name="middle"/> over <paramref name="pct"/> of training, then to <paramref name="end"/>.</summary>
    public static Schedule CombinedCos(double pct, double start, double middle, double end, PhaseArithmetic arithmetic = PhaseArithmetic.Exact) =>
        CombineScheds([pct, 1 - pct], [SchedCos(start, middle), SchedCos(middle, end)], arithmetic);
}
