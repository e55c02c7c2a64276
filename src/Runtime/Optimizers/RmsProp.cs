namespace Gen;

// fastai's RMSProp(lr, sqr_mom=0.99, mom=0, eps=1e-8, wd=0, decouple_wd=True); Optimizers.RmsProp picks the composition.

/// <summary>fastai's RMSProp without momentum (mom = 0).</summary>
[Optimizer(typeof(Steps), nameof(Steps.WeightDecay), nameof(Steps.AverageSqrGrad), nameof(Steps.RmsPropStep))]
[Hyper("sqrMom", 0.99), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class RmsProp;

/// <summary>fastai's RMSProp without momentum, weight decay as an L2 penalty (decouple_wd = False).</summary>
[Optimizer(typeof(Steps), nameof(Steps.L2Reg), nameof(Steps.AverageSqrGrad), nameof(Steps.RmsPropStep))]
[Hyper("sqrMom", 0.99), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class RmsPropL2;

/// <summary>fastai's RMSProp with momentum: the step follows the momentum buffer.</summary>
[Optimizer(typeof(Steps), nameof(Steps.WeightDecay), nameof(Steps.AverageGrad), nameof(Steps.AverageSqrGrad), nameof(Steps.RmsPropMomentumStep))]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class RmsPropMomentum;

/// <summary>fastai's RMSProp with momentum, weight decay as an L2 penalty (decouple_wd = False).</summary>
[Optimizer(typeof(Steps), nameof(Steps.L2Reg), nameof(Steps.AverageGrad), nameof(Steps.AverageSqrGrad), nameof(Steps.RmsPropMomentumStep))]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class RmsPropMomentumL2;
