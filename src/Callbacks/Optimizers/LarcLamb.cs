namespace Gen;

/// <summary>fastai's Larc (LARC, clip = true) with momentum and fastai's defaults.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad", "LarcLayerLr(clip: true)", "LarcStep")]
[Hyper("mom", 0.9), Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class Larc;

/// <summary>fastai's Larc with clip = false: LARS.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad", "LarcLayerLr(clip: false)", "LarcStep")]
[Hyper("mom", 0.9), Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class Lars;

/// <summary>fastai's Lamb with fastai's defaults.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad(dampening: true)", "AverageSqrGrad", "StepStat", "LambStep")]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-5), Hyper("wd", 0)]
public sealed partial class Lamb;
