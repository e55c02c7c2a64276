namespace Gen;

// fastai's Adam, RAdam and QHAdam (each with decouple_wd=True or False); Optimizers.Adam/RAdam/QHAdam pick the composition.

/// <summary>fastai's Adam with decoupled weight decay (its default, decouple_wd=True) and fastai's defaults.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad(dampening: true)", "AverageSqrGrad", "StepStat", "AdamStep")]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-5), Hyper("wd", 0.01)]
public sealed partial class Adam;

/// <summary>fastai's Adam with weight decay as an L2 penalty on the gradient (decouple_wd=False).</summary>
[Optimizer(typeof(Steps), "L2Reg", "AverageGrad(dampening: true)", "AverageSqrGrad", "StepStat", "AdamStep")]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-5), Hyper("wd", 0.01)]
public sealed partial class AdamL2;

/// <summary>fastai's RAdam (rectified Adam) with fastai's defaults.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad(dampening: true)", "AverageSqrGrad", "StepStat", "RAdamStep")]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-5), Hyper("wd", 0), Hyper("beta", 0)]
public sealed partial class RAdam;

/// <summary>fastai's RAdam with weight decay as an L2 penalty (decouple_wd=False).</summary>
[Optimizer(typeof(Steps), "L2Reg", "AverageGrad(dampening: true)", "AverageSqrGrad", "StepStat", "RAdamStep")]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-5), Hyper("wd", 0), Hyper("beta", 0)]
public sealed partial class RAdamL2;

/// <summary>fastai's QHAdam (quasi-hyperbolic Adam) with fastai's defaults.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad(dampening: true)", "AverageSqrGrad(dampening: true)", "StepStat", "QHAdamStep")]
[Hyper("mom", 0.999), Hyper("sqrMom", 0.999), Hyper("nu1", 0.7), Hyper("nu2", 1.0), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class QHAdam;

/// <summary>fastai's QHAdam with weight decay as an L2 penalty (decouple_wd=False).</summary>
[Optimizer(typeof(Steps), "L2Reg", "AverageGrad(dampening: true)", "AverageSqrGrad(dampening: true)", "StepStat", "QHAdamStep")]
[Hyper("mom", 0.999), Hyper("sqrMom", 0.999), Hyper("nu1", 0.7), Hyper("nu2", 1.0), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class QHAdamL2;

/// <summary>fastai's Lamb with fastai's defaults.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad(dampening: true)", "AverageSqrGrad", "StepStat", "LambStep")]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-5), Hyper("wd", 0)]
public sealed partial class Lamb;

/// <summary>fastai's Lamb with weight decay as an L2 penalty (decouple_wd=False).</summary>
[Optimizer(typeof(Steps), "L2Reg", "AverageGrad(dampening: true)", "AverageSqrGrad", "StepStat", "LambStep")]
[Hyper("mom", 0.9), Hyper("sqrMom", 0.99), Hyper("eps", 1e-5), Hyper("wd", 0)]
public sealed partial class LambL2;
