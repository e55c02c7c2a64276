namespace Gen.Callbacks.Tests;

// Single steps of Gen.Callbacks' Steps, composed here (in another assembly, from their [StepSource]) to replay
// the notebook's tests of individual optimizer callbacks.
[Optimizer(typeof(Steps), "SgdStep")] public sealed partial class OnlySgdStep;
[Optimizer(typeof(Steps), "WeightDecay")] [Hyper("wd", 0)] public sealed partial class OnlyWeightDecay;
[Optimizer(typeof(Steps), "L2Reg")] [Hyper("wd", 0)] public sealed partial class OnlyL2Reg;
[Optimizer(typeof(Steps), "AverageGrad")] [Hyper("mom", 0.9)] public sealed partial class OnlyAverageGrad;
[Optimizer(typeof(Steps), "AverageGrad(dampening: true)")] [Hyper("mom", 0.9)] public sealed partial class OnlyDampedAverageGrad;
[Optimizer(typeof(Steps), "AverageSqrGrad(dampening: false)")] [Hyper("sqrMom", 0.99)] public sealed partial class OnlyAverageSqrGrad;
[Optimizer(typeof(Steps), "AverageSqrGrad")] [Hyper("sqrMom", 0.99)] public sealed partial class OnlyDampedAverageSqrGrad;
[Optimizer(typeof(Steps), "AverageGrad", "MomentumStep")] [Hyper("mom", 0)] public sealed partial class AveragedMomentumStep;
[Optimizer(typeof(Steps), "StepStat")] public sealed partial class OnlyStepStat;
