using System.Collections.Generic;
using Gen.Generators.Common;

namespace Gen.Generators.Optimizers;

/// <summary>How a step parameter binds (see <c>StepAttribute</c>): the parameter element, its gradient, element state, a hyper, per-tensor state, or a compile-time option.</summary>
internal enum Role { Param, Grad, Element, Hyper, PerTensor, Option }

/// <summary>An element a step reads or writes in the loop: its name and whether the step takes it by <c>ref</c>.</summary>
internal sealed record ElementBinding(string Name, bool IsRef);

/// <summary>
/// One step of a fused kernel: its element bindings; what runs once per parameter tensor before the loop,
/// in order — invariant statements and hoisted values, computed in double as fastai computes hyper
/// arithmetic in Python floats, hoisted values then held in the kernel's element type
/// (<see cref="ElementType"/> stands for it); the hoisted values the loop reads (numbers, in the element
/// type, and conditions); and its per-element statements as float and as double source, and, when every
/// operation has a vector form, as <c>Vector&lt;T&gt;</c> source (see <see cref="VectorRewriter"/>), and
/// as whole-tensor TorchSharp source for the tensor path (see <see cref="TensorRewriter"/>).
/// </summary>
internal sealed record KernelStep(
    string Name,
    EquatableArray<ElementBinding> Elements,
    EquatableArray<string> PreLoop,
    EquatableArray<string> LoopFloat,
    EquatableArray<string> LoopDouble,
    EquatableArray<string> HoistedNumbers,
    EquatableArray<string> HoistedBools,
    bool Vectorizable,
    EquatableArray<string> LoopVector,
    bool HasTensorForm,
    EquatableArray<string> LoopTensor)
{
    public const string ElementType = "__T";
}

/// <summary>A hyper-parameter: its C# name (as in the steps), fastai's snake name, and its default (null: required, as lr).</summary>
internal sealed record HyperModel(string Name, string SnakeName, double? Default)
{
    /// <summary>fastai's name: snake case, with digits set apart as fastai writes them (nu1 -> nu_1).</summary>
    public static string FastaiName(string name) => Gen.Ordering.CallbackNaming.HyperName(name);

    public string Property => char.ToUpperInvariant(Name[0]) + Name.Substring(1);
}

/// <summary>An argument of a [TensorStep] call: a tensor, hyper or per-tensor state by name, or an option's literal.</summary>
internal sealed record CallArgument(string Name, Role Role, bool IsRef, string? Literal);

/// <summary>A whole-tensor step, called between the fused elementwise runs: the method and its arguments in order.</summary>
internal sealed record TensorStepCall(string Method, EquatableArray<CallArgument> Arguments);

/// <summary>One entry of an optimizer's step list: elementwise (fused into a kernel) or a tensor step.</summary>
internal sealed record StepUnit(string Name, KernelStep? Elementwise, TensorStepCall? Tensor);

/// <summary>Per-tensor state (fastai's step, LARC's local_lr): an int or a double per parameter tensor.</summary>
internal sealed record PerTensorState(string Name, bool IsDouble)
{
    public string Type => IsDouble ? "double" : "int";
}

/// <summary>An [Optimizer] class: hypers, state and its steps in order.</summary>
internal sealed record OptimizerModel(
    TypeShell Shell,
    string HintName,
    string ClassName,
    EquatableArray<HyperModel> Hypers,
    EquatableArray<string> ElementStates,
    EquatableArray<PerTensorState> PerTensorStates,
    EquatableArray<StepUnit> Steps)
{
    /// <summary>The runs of consecutive elementwise steps, each fused into one kernel, with the tensor steps between them.</summary>
    public IEnumerable<(int Index, IReadOnlyList<KernelStep>? Run, StepUnit? TensorStep)> Segments()
    {
        int index = 0;
        var run = new List<KernelStep>();
        foreach (var unit in Steps)
        {
            if (unit.Elementwise is not null) { run.Add(unit.Elementwise); continue; }
            if (run.Count > 0) { yield return (index++, run, null); run = []; }
            yield return (index++, null, unit);
        }
        if (run.Count > 0) yield return (index, run, null);
    }
}

internal sealed record OptimizerParse(OptimizerModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
