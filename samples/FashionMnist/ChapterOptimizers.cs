using System;
using Gen;

namespace FashionMnist;

/// <summary>The optimizer callbacks the chapter writes by hand, one element each; the generator fuses them.</summary>
public static class ChapterSteps
{
    /// <summary>def sgd_cb(p, lr, **kwargs): p.data.add_(-lr, p.grad.data)</summary>
    [Step] public static void SgdCb(ref float p, float grad, float lr) => p += -lr * grad;

    /// <summary>def average_grad(p, mom, grad_avg=None, **kwargs): return {'grad_avg': grad_avg*mom + p.grad.data}</summary>
    [Step] public static void AverageGrad(ref float gradAvg, float grad, float mom) => gradAvg = gradAvg * mom + grad;

    /// <summary>def momentum_step(p, lr, grad_avg, **kwargs): p.data.add_(-lr, grad_avg)</summary>
    [Step] public static void MomentumStep(ref float p, float gradAvg, float lr) => p += -lr * gradAvg;

    /// <summary>def average_sqr_grad(p, sqr_mom, sqr_avg=None, **kwargs): return {'sqr_avg': sqr_mom*sqr_avg + (1-sqr_mom)*p.grad.data**2}</summary>
    [Step] public static void AverageSqrGrad(ref float sqrAvg, float grad, float sqrMom) => sqrAvg = sqrMom * sqrAvg + (1 - sqrMom) * (grad * grad);

    /// <summary>
    /// def rms_prop_step(p, lr, sqr_avg, eps, ...): denom = sqr_avg.sqrt().add_(eps); p.data.addcdiv_(-lr, p.grad, denom).
    /// Rounded in the order of fastai's (and Gen's) rms_prop_step, so the two agree to the bit over a whole fit: RMSProp's
    /// first steps move every weight by about lr * 10 * sign(grad), which turns one-ulp differences into visible ones.
    /// </summary>
    [Step] public static void RmsPropStep(ref float p, float grad, float sqrAvg, float lr, float eps) => p -= lr * (grad / (MathF.Sqrt(sqrAvg) + eps));
}

/// <summary>opt_func = partial(Optimizer, cbs=[sgd_cb])</summary>
[Optimizer(typeof(ChapterSteps), nameof(ChapterSteps.SgdCb))]
public sealed partial class SgdCb;

/// <summary>opt_func = partial(Optimizer, cbs=[average_grad, momentum_step], mom=0.9)</summary>
[Optimizer(typeof(ChapterSteps), nameof(ChapterSteps.AverageGrad), nameof(ChapterSteps.MomentumStep)), Hyper("mom", 0.9)]
public sealed partial class MomentumCb;

/// <summary>opt_func = partial(Optimizer, cbs=[average_sqr_grad, rms_prop_step], sqr_mom=0.99, eps=1e-7)</summary>
[Optimizer(typeof(ChapterSteps), nameof(ChapterSteps.AverageSqrGrad), nameof(ChapterSteps.RmsPropStep)), Hyper("sqrMom", 0.99), Hyper("eps", 1e-7)]
public sealed partial class RmsPropCb;

/// <summary>
/// Adam as the chapter assembles it from fastai's optimizer callbacks (Gen's <see cref="Steps"/>, fused across
/// assemblies): a damped average of the gradients, an average of their squares, the step count, adam_step.
/// </summary>
[Optimizer(typeof(Steps), "AverageGrad(dampening: true)", "AverageSqrGrad", "StepStat", "AdamStep")]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-5)]
public sealed partial class AdamCb;
