using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's GradientClip (order 11 = MixedPrecision's 10 + 1, so gradients are clipped once they are unscaled): before
/// every optimizer step, scales the gradients of the parameters the optimizer updates so that their total
/// <see cref="NormType"/>-norm is at most <see cref="MaxNorm"/>, as torch's <c>clip_grad_norm_</c>.
/// <see cref="ByValue"/> clamps every gradient element to [-v, v] instead, as torch's <c>clip_grad_value_</c>.
/// </summary>
[Order(11)]
public sealed partial class GradientClip : Callback
{
    /// <param name="maxNorm">fastai's max_norm: the largest total norm the gradients keep.</param>
    /// <param name="normType">fastai's norm_type: p of the p-norm (2 by default; <see cref="double.PositiveInfinity"/> for the largest absolute value).</param>
    public GradientClip(double maxNorm = 1.0, double normType = 2.0)
    {
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "GradientClip's maxNorm must be a positive finite number (fastai's default is 1.0).");
        if (!(normType > 0))
            throw new ArgumentOutOfRangeException(nameof(normType), normType, "GradientClip's normType must be positive (2 for the Euclidean norm, double.PositiveInfinity for the maximum).");
        (MaxNorm, NormType) = (maxNorm, normType);
    }

    private GradientClip(double clipValue) => ClipValue = clipValue;

    /// <summary>Clips every gradient element to [-<paramref name="clipValue"/>, <paramref name="clipValue"/>] (torch's <c>clip_grad_value_</c>).</summary>
    public static GradientClip ByValue(double clipValue) =>
        clipValue > 0 && !double.IsInfinity(clipValue)
            ? new GradientClip(clipValue)
            : throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "GradientClip.ByValue needs a positive finite bound for the gradients' elements, e.g. 0.5.");

    /// <summary>fastai's max_norm; null when clipping by value.</summary>
    public double? MaxNorm { get; }

    /// <summary>fastai's norm_type; null when clipping by value.</summary>
    public double? NormType { get; }

    /// <summary>The bound of <see cref="ByValue"/>; null when clipping by norm.</summary>
    public double? ClipValue { get; }

    /// <summary>The gradients' total norm before the last clip by norm (what torch's <c>clip_grad_norm_</c> returns).</summary>
    public double LastTotalNorm { get; private set; } = double.NaN;

    [Event]
    void BeforeStep(Learner learn)
    {
        var parameters = Stepped(learn);
        if (parameters.Count == 0) return;
        // Both scale or clamp each gradient in place: the optimizer's own gradient buffers (flat views) stay its own.
        if (ClipValue is double bound) nn.utils.clip_grad_value_(parameters, bound);
        else LastTotalNorm = nn.utils.clip_grad_norm_(parameters, MaxNorm!.Value, NormType!.Value);
    }

    /// <summary>The parameters the optimizer updates that have a gradient (a Gen optimizer's own list; else the model's trainable ones).</summary>
    private static List<Parameter> Stepped(Learner learn)
    {
        IEnumerable<Parameter> candidates = learn.Opt?.Fused?.Parameters ?? learn.Model.parameters().Where(p => p.requires_grad);
        return candidates.Where(HasGrad).ToList();
    }

    private static bool HasGrad(Parameter p)
    {
        using var grad = p.grad;   // a new handle on every read
        return grad is not null;
    }
}
