namespace Gen;

// fastai's SGD(lr, mom=0, wd=0, decouple_wd=True), one class per composition; Optimizers.Sgd picks the one fastai builds.

/// <summary>fastai's SGD without momentum (mom = 0): decoupled weight decay, then a plain step.</summary>
[Optimizer(typeof(Steps), nameof(Steps.WeightDecay), nameof(Steps.SgdStep))]
[Hyper("wd", 0)]
public sealed partial class Sgd;

/// <summary>fastai's SGD without momentum, weight decay as an L2 penalty on the gradient (decouple_wd = False).</summary>
[Optimizer(typeof(Steps), nameof(Steps.L2Reg), nameof(Steps.SgdStep))]
[Hyper("wd", 0)]
public sealed partial class SgdL2;

/// <summary>fastai's SGD with momentum: decoupled weight decay, undamped momentum buffer, momentum step.</summary>
[Optimizer(typeof(Steps), nameof(Steps.WeightDecay), nameof(Steps.AverageGrad), nameof(Steps.MomentumStep))]
[Hyper("mom", 0.9), Hyper("wd", 0)]
public sealed partial class SgdMomentum;

/// <summary>fastai's SGD with momentum and weight decay as an L2 penalty (decouple_wd = False): PyTorch's SGD with momentum and weight_decay.</summary>
[Optimizer(typeof(Steps), nameof(Steps.L2Reg), nameof(Steps.AverageGrad), nameof(Steps.MomentumStep))]
[Hyper("mom", 0.9), Hyper("wd", 0)]
public sealed partial class SgdMomentumL2;
