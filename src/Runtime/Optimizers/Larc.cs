namespace Gen;

// fastai's Larc(lr, mom=0.9, clip=True, trust_coeff=0.02, eps=1e-8, wd=0, decouple_wd=True): clip = False is LARS;
// mom = 0 steps along the gradient instead of a momentum buffer. Optimizers.Larc picks the composition.

/// <summary>fastai's Larc (LARC, clip = true) with momentum and fastai's defaults.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad", "LarcLayerLr(clip: true)", "LarcStep")]
[Hyper("mom", 0.9), Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class Larc;

/// <summary>fastai's Larc with clip = false: LARS.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "AverageGrad", "LarcLayerLr(clip: false)", "LarcStep")]
[Hyper("mom", 0.9), Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class Lars;

/// <summary>fastai's Larc with momentum, weight decay as an L2 penalty (decouple_wd = False).</summary>
[Optimizer(typeof(Steps), "L2Reg", "AverageGrad", "LarcLayerLr(clip: true)", "LarcStep")]
[Hyper("mom", 0.9), Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class LarcL2;

/// <summary>fastai's Larc with clip = false (LARS), weight decay as an L2 penalty.</summary>
[Optimizer(typeof(Steps), "L2Reg", "AverageGrad", "LarcLayerLr(clip: false)", "LarcStep")]
[Hyper("mom", 0.9), Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class LarsL2;

/// <summary>fastai's Larc with mom = 0: the layer's rate times the gradient.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "LarcLayerLr(clip: true)", "LarcGradStep")]
[Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class LarcNoMomentum;

/// <summary>fastai's Larc with clip = false and mom = 0.</summary>
[Optimizer(typeof(Steps), "WeightDecay", "LarcLayerLr(clip: false)", "LarcGradStep")]
[Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class LarsNoMomentum;

/// <summary>fastai's Larc with mom = 0, weight decay as an L2 penalty.</summary>
[Optimizer(typeof(Steps), "L2Reg", "LarcLayerLr(clip: true)", "LarcGradStep")]
[Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class LarcNoMomentumL2;

/// <summary>fastai's Larc with clip = false and mom = 0, weight decay as an L2 penalty.</summary>
[Optimizer(typeof(Steps), "L2Reg", "LarcLayerLr(clip: false)", "LarcGradStep")]
[Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8), Hyper("wd", 0)]
public sealed partial class LarsNoMomentumL2;
