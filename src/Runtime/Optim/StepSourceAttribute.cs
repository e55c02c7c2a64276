using System;

namespace Gen.Internals;

/// <summary>
/// Written by the generator into an assembly that declares [Step] methods: each step's source, so that
/// optimizers in other assemblies can fuse it. Not for hand-written code.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class StepSourceAttribute(string step, string source) : Attribute
{
    /// <summary>The step's containing type (metadata name) and method name, e.g. <c>Gen.Steps.WeightDecay</c>.</summary>
    public string Step { get; } = step;

    /// <summary>The step method's declaration, as written.</summary>
    public string Source { get; } = source;
}
