using System;
using System.Diagnostics;
using System.Linq;

namespace Benchmarks;

/// <summary>
/// Quick-mode timing of operations that are compared with each other. The machine is shared and noisy,
/// so: warm every operation up long enough for tiered compilation to reach its optimized tier (as in a
/// long training run); calibrate each to loops of ~10 ms; then time the loops round-robin, so that a
/// noisy spell hits every operation alike, and keep each one's fastest loop (the least disturbed).
/// </summary>
public static class Measure
{
    public readonly record struct Result(double NsPerOp, double BytesPerOp);

    public static Result[] Interleaved(Action[] ops, int rounds = 15, double loopMs = 10, double warmupMs = 1000)
    {
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed.TotalMilliseconds < warmupMs)
            foreach (var op in ops) Time(op, 64);

        var n = ops.Select(op => Calibrate(op, loopMs)).ToArray();
        var best = Enumerable.Repeat(double.MaxValue, ops.Length).ToArray();
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < ops.Length; i++)
                best[i] = Math.Min(best[i], Time(ops[i], n[i]) / n[i]);

        return ops.Select((op, i) => new Result(best[i], Allocated(op, n[i]))).ToArray();
    }

    /// <summary>
    /// The cost <paramref name="with"/> adds over <paramref name="without"/> when it is a few percent of both: each round
    /// times one call of each back to back and keeps the difference, so that slow swings of the machine's speed cancel
    /// within a pair; the median over rounds drops the pairs a burst of noise split. Also returns the baseline's median.
    /// </summary>
    public static (double ExtraNs, double BaselineNs, double ExtraBytes) PairedDifference(Action without, Action with, int rounds = 41, double warmupMs = 1500)
    {
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed.TotalMilliseconds < warmupMs) { without(); with(); }
        var differences = new double[rounds];
        var baselines = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            // Alternate which runs first, so that a trend within the pair does not favour either.
            double a, b;
            if (r % 2 == 0) { a = Time(without, 1); b = Time(with, 1); }
            else { b = Time(with, 1); a = Time(without, 1); }
            (differences[r], baselines[r]) = (b - a, a);
        }
        return (Median(differences), Median(baselines), Allocated(with, 1) - Allocated(without, 1));
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static long Calibrate(Action op, double loopMs)
    {
        long n = 1;
        while (Time(op, n) < loopMs * 1e6 / 4) n *= 2;
        return Math.Max(1, (long)(n * loopMs * 1e6 / Math.Max(1, Time(op, n))));
    }

    private static double Allocated(Action op, long n)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Time(op, n);
        return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / n;
    }

    /// <summary>Nanoseconds for <paramref name="n"/> calls (timestamps, not a Stopwatch object, so that nothing here allocates).</summary>
    private static double Time(Action op, long n)
    {
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < n; i++) op();
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }
}
