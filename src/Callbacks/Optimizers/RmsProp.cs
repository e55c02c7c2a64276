namespace Gen;

/// <summary>fastai's RMSProp without momentum (mom = 0).</summary>
[Optimizer(typeof(Steps), nameof(Steps.WeightDecay), nameof(Steps.AverageSqrGrad), nameof(Steps.RmsPropStep))]
[Hyper("sqrMom", 0.99), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class RmsProp;

/// <summary>fastai's RMSProp with momentum: the step follows the momentum buffer.</summary>
[Optimizer(typeof(Steps), nameof(Steps.WeightDecay), nameof(Steps.AverageGrad), nameof(Steps.AverageSqrGrad), nameof(Steps.RmsPropMomentumStep))]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class RmsPropMomentum;
