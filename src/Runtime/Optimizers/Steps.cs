using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's optimizer callbacks (fastai/optimizer.py), written for one element. The generator fuses the
/// steps an optimizer lists into one pass over memory per parameter, in float and in double.
/// </summary>
public static class Steps
{
    /// <summary>
    /// weight_decay: decoupled weight decay (AdamW style). noWd is fastai's do_wd = False (set per parameter, e.g. for
    /// norm layers and biases); as in fastai, nothing happens when wd is 0 (the tensor path then saves a pass).
    /// </summary>
    [Step]
    public static void WeightDecay(ref float p, float lr, float wd, [PerTensor] int noWd)
    {
        if (noWd == 0 && wd != 0) p *= 1 - lr * wd;
    }

    /// <summary>l2_reg: weight decay as an L2 penalty added to the gradient (none where noWd is set, fastai's do_wd = False, or wd is 0).</summary>
    [Step]
    public static void L2Reg(ref float grad, float p, float wd, [PerTensor] int noWd)
    {
        if (noWd == 0 && wd != 0) grad += wd * p;
    }

    /// <summary>average_grad: momentum buffer, damped by 1 - mom when asked.</summary>
    [Step]
    public static void AverageGrad(ref float gradAvg, float grad, float mom, [Option] bool dampening = false) =>
        gradAvg = gradAvg * mom + (dampening ? 1 - mom : 1) * grad;

    /// <summary>average_sqr_grad: moving average of the squared gradient.</summary>
    [Step]
    public static void AverageSqrGrad(ref float sqrAvg, float grad, float sqrMom, [Option] bool dampening = true) =>
        sqrAvg = sqrAvg * sqrMom + (dampening ? 1 - sqrMom : 1) * (grad * grad);

    /// <summary>step_stat: counts the steps taken by each parameter tensor.</summary>
    [Step] public static void StepStat([PerTensor] ref int step) => step++;

    /// <summary>sgd_step: plain gradient descent.</summary>
    [Step] public static void SgdStep(ref float p, float grad, float lr) => p -= lr * grad;

    /// <summary>momentum_step: descent along the momentum buffer.</summary>
    [Step] public static void MomentumStep(ref float p, float gradAvg, float lr) => p -= lr * gradAvg;

    /// <summary>rms_prop_step without momentum: the gradient over the root of its squared average.</summary>
    [Step] public static void RmsPropStep(ref float p, float grad, float sqrAvg, float lr, float eps) => p -= lr * (grad / (MathF.Sqrt(sqrAvg) + eps));

    /// <summary>rms_prop_step with momentum: the momentum buffer over the root of the squared average.</summary>
    [Step] public static void RmsPropMomentumStep(ref float p, float gradAvg, float sqrAvg, float lr, float eps) => p -= lr * (gradAvg / (MathF.Sqrt(sqrAvg) + eps));

    /// <summary>
    /// adam_step: fastai's debiased Adam update (debias(mom, damp, step) = damp * (1 - mom^step) / (1 - mom)).
    /// sqrAvg is scaled by 1 / debias2, computed once per tensor, rather than divided by debias2: with the data in
    /// cache the loop is bound by its divisions and square root, and this saves one of its two divisions; the two
    /// forms differ by one rounding (far within fastai's float32 tolerance). RAdam and QHAdam do the same.
    /// </summary>
    [Step]
    public static void AdamStep(ref float p, float gradAvg, float sqrAvg, float lr, float mom, float sqrMom, float eps, [PerTensor] int step)
    {
        var debias1 = (1 - mom) * (1 - MathF.Pow(mom, step)) / (1 - mom);
        var debias2 = (1 - sqrMom) * (1 - MathF.Pow(sqrMom, step)) / (1 - sqrMom);
        p += -lr / debias1 * (gradAvg / (MathF.Sqrt(sqrAvg * (1 / debias2)) + eps));
    }

    /// <summary>radam_step: Adam with the variance rectification of RAdam (plain momentum step while r &lt;= 5), optional softplus of the denominator (beta).</summary>
    [Step]
    public static void RAdamStep(ref float p, float gradAvg, float sqrAvg, float lr, float mom, float sqrMom, float eps, float beta, [PerTensor] int step)
    {
        var debias1 = (1 - mom) * (1 - MathF.Pow(mom, step)) / (1 - mom);
        var debias2 = (1 - sqrMom) * (1 - MathF.Pow(sqrMom, step)) / (1 - sqrMom);
        var rInf = 2 / (1 - sqrMom) - 1;
        var r = rInf - 2 * step * MathF.Pow(sqrMom, step) / (1 - MathF.Pow(sqrMom, step));
        if (r > 5)
        {
            var v = MathF.Sqrt((r - 4) * (r - 2) * rInf / ((rInf - 4) * (rInf - 2) * r));
            var denom = MathF.Sqrt(sqrAvg * (1 / debias2));
            if (eps != 0) denom += eps;
            if (beta != 0) denom = beta * denom > 20 ? denom : MathF.Log(1 + MathF.Exp(beta * denom)) / beta;
            p += -lr * v / debias1 * (gradAvg / denom);
        }
        else p += -lr / debias1 * gradAvg;
    }

    /// <summary>qhadam_step: quasi-hyperbolic Adam, mixing the raw gradient (1 - nu) with the debiased averages (nu).</summary>
    [Step]
    public static void QHAdamStep(ref float p, float grad, float gradAvg, float sqrAvg, float lr, float mom, float sqrMom, float nu1, float nu2, float eps, [PerTensor] int step)
    {
        var debias1 = (1 - mom) * (1 - MathF.Pow(mom, step)) / (1 - mom);
        var debias2 = (1 - sqrMom) * (1 - MathF.Pow(sqrMom, step)) / (1 - sqrMom);
        p += -lr * (((1 - nu1) * grad + nu1 * (gradAvg / debias1)) / (MathF.Sqrt((1 - nu2) * (grad * grad) + nu2 * (sqrAvg * (1 / debias2))) + eps));
    }

    /// <summary>larc_layer_lr: LARC's per-layer learning rate from the norms of the weights and the gradient (clipped at lr unless clip is false).</summary>
    [TensorStep]
    public static void LarcLayerLr(Tensor p, Tensor grad, double lr, double trustCoeff, double wd, double eps, [PerTensor] ref double localLr, [Option] bool clip = true)
    {
        double pNorm = p.norm().ToDouble(), gNorm = grad.norm().ToDouble();
        var local = lr * trustCoeff * pNorm / (gNorm + pNorm * wd + eps);
        localLr = clip ? Math.Min(lr, local) : local;
    }

    /// <summary>larc_step with momentum: descent along the momentum buffer at the layer's own rate.</summary>
    [Step] public static void LarcStep(ref float p, float gradAvg, [PerTensor] double localLr) => p -= (float)localLr * gradAvg;

    /// <summary>larc_step without momentum (mom = 0): descent along the gradient at the layer's own rate.</summary>
    [Step] public static void LarcGradStep(ref float p, float grad, [PerTensor] double localLr) => p -= (float)localLr * grad;

    /// <summary>fastai's debias: damp * (1 - mom^step) / (1 - mom), the correction of a damped moving average after <paramref name="step"/> steps.</summary>
    public static double Debias(double mom, double damp, int step) => damp * (1 - Math.Pow(mom, step)) / (1 - mom);

    /// <summary>lamb_step: the Adam update scaled by the trust ratio of the weight norm to the update norm (at most 10).</summary>
    [TensorStep]
    public static void LambStep(Tensor p, Tensor gradAvg, Tensor sqrAvg, double lr, double mom, double sqrMom, double eps, [PerTensor] int step)
    {
        var debias1 = Debias(mom, 1 - mom, step);
        var debias2 = Debias(sqrMom, 1 - sqrMom, step);
        double r1 = p.pow(2).mean().sqrt().ToDouble();
        var update = gradAvg / debias1 / ((sqrAvg / debias2).sqrt() + eps);
        double r2 = update.pow(2).mean().sqrt().ToDouble();
        double q = r1 == 0 || r2 == 0 ? 1 : Math.Min(r1 / r2, 10);
        p.add_(update, alpha: -lr * q);
    }
}
