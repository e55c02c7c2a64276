namespace Gen;

/// <summary>fastai's SGD without momentum (mom = 0): decoupled weight decay, then a plain step.</summary>
[Optimizer(typeof(Steps), nameof(Steps.WeightDecay), nameof(Steps.SgdStep))]
[Hyper("wd", 0)]
public sealed partial class Sgd;

/// <summary>fastai's SGD with momentum: decoupled weight decay, undamped momentum buffer, momentum step.</summary>
[Optimizer(typeof(Steps), nameof(Steps.WeightDecay), nameof(Steps.AverageGrad), nameof(Steps.MomentumStep))]
[Hyper("mom", 0.9), Hyper("wd", 0)]
public sealed partial class SgdMomentum;
