using System;

namespace Gen;

/// <summary>The checks a fit makes on its arguments before anything changes, each naming the problem and the fix.</summary>
internal static class FitArguments
{
    public static void Check(int nEpoch, double? lr, double? wd, int startEpoch)
    {
        if (nEpoch < 1)
            throw new ArgumentOutOfRangeException(nameof(nEpoch), nEpoch, $"A fit needs at least one epoch; got {nEpoch}. Pass nEpoch >= 1.");
        if (startEpoch < 0 || startEpoch >= nEpoch)
            throw new ArgumentOutOfRangeException(nameof(startEpoch), startEpoch, $"startEpoch must be at least 0 and less than nEpoch ({nEpoch}); got {startEpoch}. Pass the epoch the interrupted fit would have run next.");
        CheckRate("lr", lr);
        CheckRate("wd", wd);
    }

    /// <summary>A learning rate or weight decay must be a finite number, not negative.</summary>
    public static void CheckRate(string name, double? value)
    {
        if (value is not double v || (double.IsFinite(v) && v >= 0)) return;
        throw new ArgumentOutOfRangeException(name, v, $"{name} must be a finite number of at least 0; got {v}. Check how it was computed (an lr_find suggestion of NaN means the loss never fell).");
    }
}
