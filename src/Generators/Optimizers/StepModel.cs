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
/// (<see cref="ElementType"/> stands for it); and its per-element statements as float and as double source,
/// and, when every operation has a vector form, as <c>Vector&lt;T&gt;</c> source (see <see cref="VectorRewriter"/>), and
/// as whole-tensor TorchSharp source for the tensor path (see <see cref="TensorRewriter"/>).
/// </summary>
internal sealed record KernelStep(
    string Name,
    EquatableArray<ElementBinding> Elements,
    EquatableArray<string> PreLoop,
    EquatableArray<string> LoopFloat,
    EquatableArray<string> LoopDouble,
    EquatableArray<string> HoistedNumbers,
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
    public static string FastaiName(string name) =>
        System.Text.RegularExpressions.Regex.Replace(Gen.Ordering.CallbackNaming.CamelToSnake(name), "([a-z])([0-9])", "$1_$2");

    public string Property => char.ToUpperInvariant(Name[0]) + Name.Substring(1);
}

/// <summary>An [Optimizer] class: hypers, state and the steps of its fused kernel.</summary>
internal sealed record OptimizerModel(
    TypeShell Shell,
    string HintName,
    string ClassName,
    EquatableArray<HyperModel> Hypers,
    EquatableArray<string> ElementStates,
    EquatableArray<string> PerTensorStates,
    EquatableArray<KernelStep> Steps);

internal sealed record OptimizerParse(OptimizerModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
