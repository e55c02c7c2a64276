using System;

namespace Gen;

/// <summary>
/// Marks a static method as an optimizer step written for ONE element (fastai's optimizer callbacks).
/// Parameters bind by name: <c>p</c> (the parameter element), <c>grad</c>, other <c>ref</c> element
/// parameters are state buffers (zero-initialised, one per parameter tensor), other scalars are hypers
/// (per param group, schedulable by name), <c>[PerTensor]</c> ones per-tensor state (fastai's step),
/// <c>[Option]</c> ones compile-time constants chosen by the optimizer.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class StepAttribute : Attribute;

/// <summary>A step parameter holding per-tensor state (an int or float kept per parameter tensor, e.g. the step count).</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class PerTensorAttribute : Attribute;

/// <summary>A step parameter fixed at compile time by the optimizer, e.g. <c>AverageGrad(dampening: true)</c>.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class OptionAttribute : Attribute;

/// <summary>
/// Composes steps of <paramref name="steps"/> into an optimizer with one fused kernel per parameter.
/// Each entry names a step, with options in parentheses as fastai lists them: <c>"AverageGrad(dampening: true)"</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class OptimizerAttribute(Type steps, params string[] stepList) : Attribute
{
    /// <summary>The type that declares the step methods <see cref="StepList"/> names.</summary>
    public Type Steps { get; } = steps;

    /// <summary>The steps, in the order they run: each a method name, with any options in parentheses.</summary>
    public string[] StepList { get; } = stepList;
}

/// <summary>The default value of a hyper-parameter of an optimizer (by its C# step-parameter name, e.g. <c>sqrMom</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class HyperAttribute(string name, double value) : Attribute
{
    /// <summary>The hyper's C# step-parameter name, e.g. <c>sqrMom</c> (fastai's <c>sqr_mom</c>).</summary>
    public string Name { get; } = name;

    /// <summary>The hyper's default value.</summary>
    public double Value { get; } = value;
}

/// <summary>
/// Marks a static method as a whole-tensor optimizer step, for steps that are not elementwise (norms, trust
/// ratios): <c>Tensor</c> parameters bind to the parameter, its gradient and state buffers by name, scalars
/// (double) to hypers, <c>[PerTensor]</c> ones to per-tensor state. The generator calls it between the fused
/// elementwise runs around it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TensorStepAttribute : Attribute;
