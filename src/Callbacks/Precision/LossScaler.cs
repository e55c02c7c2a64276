using System;

namespace Gen;

/// <summary>
/// Dynamic loss scaling with torch's GradScaler rules: the loss is multiplied by <see cref="Scale"/> before backward so
/// that small float16 gradients do not flush to zero; a step whose unscaled gradients hold inf or NaN is skipped and
/// the scale multiplied by <see cref="BackoffFactor"/>; after <see cref="GrowthInterval"/> clean steps in a row it is
/// multiplied by <see cref="GrowthFactor"/>.
/// </summary>
public sealed class LossScaler
{
    /// <param name="initScale">The first scale (torch's <c>init_scale</c>, 2^16).</param>
    /// <param name="growthFactor">What the scale is multiplied by after <paramref name="growthInterval"/> clean steps (2).</param>
    /// <param name="backoffFactor">What the scale is multiplied by after a step with inf/NaN gradients (0.5).</param>
    /// <param name="growthInterval">Clean steps in a row before the scale grows (2000).</param>
    public LossScaler(double initScale = 65536, double growthFactor = 2, double backoffFactor = 0.5, int growthInterval = 2000)
    {
        if (!(initScale > 0) || double.IsInfinity(initScale))
            throw new ArgumentOutOfRangeException(nameof(initScale), initScale, "The initial loss scale must be a finite number above 0 (torch's default is 65536).");
        if (!(growthFactor > 1) || double.IsInfinity(growthFactor))
            throw new ArgumentOutOfRangeException(nameof(growthFactor), growthFactor, "growth_factor must be a finite number above 1 (torch's default is 2).");
        if (!(backoffFactor > 0 && backoffFactor < 1))
            throw new ArgumentOutOfRangeException(nameof(backoffFactor), backoffFactor, "backoff_factor must be between 0 and 1 (torch's default is 0.5).");
        if (growthInterval < 1)
            throw new ArgumentOutOfRangeException(nameof(growthInterval), growthInterval, "growth_interval is a number of steps, 1 or more (torch's default is 2000).");
        (Scale, GrowthFactor, BackoffFactor, GrowthInterval) = (initScale, growthFactor, backoffFactor, growthInterval);
    }

    /// <summary>The current scale (torch's <c>get_scale()</c>).</summary>
    public double Scale { get; private set; }

    /// <summary>torch's <c>growth_factor</c>.</summary>
    public double GrowthFactor { get; }

    /// <summary>torch's <c>backoff_factor</c>.</summary>
    public double BackoffFactor { get; }

    /// <summary>torch's <c>growth_interval</c>.</summary>
    public int GrowthInterval { get; }

    /// <summary>Clean steps since the scale last changed (torch's growth tracker).</summary>
    public int CleanSteps { get; private set; }

    /// <summary>torch's <c>update()</c> after a step: backs off when the gradients were not finite, else counts and maybe grows.</summary>
    public void Update(bool foundInf)
    {
        if (foundInf)
        {
            Scale *= BackoffFactor;
            CleanSteps = 0;
        }
        else if (++CleanSteps == GrowthInterval)
        {
            Scale *= GrowthFactor;
            CleanSteps = 0;
        }
    }

    /// <summary>Puts back a scale and tracker a checkpoint kept.</summary>
    internal void Restore(double scale, int cleanSteps) => (Scale, CleanSteps) = (scale, cleanSteps);
}
