using System;

namespace Gen;

/// <summary>
/// The order of a shuffled loader's samples in one epoch: a function of the seed and the epoch alone, so a resumed
/// fit sees the same batches and nothing depends on timing or on how many passes ran before.
/// </summary>
internal static class EpochOrder
{
    /// <summary>Fills <paramref name="order"/> with a permutation of 0..n-1 drawn from (<paramref name="seed"/>, <paramref name="epoch"/>).</summary>
    public static void Shuffle(long[] order, long seed, int epoch)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        ulong state = Mix((ulong)seed ^ Mix((ulong)epoch + 0x9E3779B97F4A7C15UL));
        for (int i = order.Length - 1; i > 0; i--)   // Fisher-Yates
        {
            state = Mix(state);
            int j = (int)(state % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    // SplitMix64's finalizer: a fixed, platform-independent stream (System.Random's seeded stream is not promised across versions).
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
