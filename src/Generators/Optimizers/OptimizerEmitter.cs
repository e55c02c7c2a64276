using System.Collections.Generic;
using System.Linq;
using Gen.Generators.Common;

namespace Gen.Generators.Optimizers;

/// <summary>Writes an optimizer: typed hypers per group, state, the hyper switch, Step() and the flat layout's hooks; <see cref="KernelEmitter"/> writes the kernels.</summary>
internal static class OptimizerEmitter
{
    private const string ParameterList = "global::System.Collections.Generic.IReadOnlyList<global::TorchSharp.Modules.Parameter>";
    private const string GroupList = "global::System.Collections.Generic.IReadOnlyList<global::System.Collections.Generic.IReadOnlyList<int>>";

    public static string Emit(OptimizerModel m) =>
        m.Shell.Write(attributeOnType: null, baseType: "global::Gen.FusedOptimizer", w =>
        {
            WriteState(m, w);
            WriteConstructor(m, w);
            WriteHyperAccess(m, w);
            WriteStep(m, w);
            KernelEmitter.WriteKernels(m, w);
        });

    private static void WriteState(OptimizerModel m, IndentedWriter w)
    {
        w.Line("/// <summary>The hyper-parameters of one param group.</summary>");
        w.Open("public struct Hypers");
        foreach (var h in m.Hypers)
        {
            w.Line($"/// <summary>fastai's <c>{h.SnakeName}</c>.</summary>");
            w.Line($"public double {h.Property};");
        }
        w.Close();
        w.Line();
        w.Line("private readonly Hypers[] _hypers;");
        foreach (var s in m.PerTensorStates) w.Line($"private readonly {s.Type}[] _{s.Name};");
        KernelEmitter.WriteKernelFields(m, w);
        w.Line();
    }

    private static void WriteConstructor(OptimizerModel m, IndentedWriter w)
    {
        var arguments = m.Hypers.Select(h => h.Default is double d ? $"double {h.Name} = {Literals.Of(d)}" : $"double {h.Name}")
            .OrderBy(a => a.Contains('=') ? 1 : 0).ToList();
        w.Line($"/// <summary>{m.ClassName} over <paramref name=\"parameters\"/>, one param group unless <paramref name=\"groups\"/> lists them.</summary>");
        w.Open($"public {m.ClassName}({ParameterList} parameters, {string.Join(", ", arguments)}{(arguments.Count > 0 ? ", " : "")}{GroupList}? groups = null) : base(parameters, groups, elementStateSlots: {m.ElementStates.Count})");
        w.Line("_hypers = new Hypers[GroupCount];");
        w.Line($"for (int g = 0; g < _hypers.Length; g++) _hypers[g] = new Hypers {{ {string.Join(", ", m.Hypers.Select(h => $"{h.Property} = {h.Name}"))} }};");
        foreach (var s in m.PerTensorStates) w.Line($"_{s.Name} = new {s.Type}[parameters.Count];");
        w.Close();
        w.Line();
        w.Line($"/// <summary>fastai's opt_func: {m.ClassName} with its defaults at learning rate <paramref name=\"lr\"/>.</summary>");
        var lr = m.Hypers.Any(h => h.Name == "lr") ? ", lr: lr" : "";
        w.Line($"public static global::Gen.Optimizer Create({ParameterList} parameters, double lr, {GroupList}? groups = null) => new {m.ClassName}(parameters{lr}, groups: groups);");
        w.Line();
    }

    private static void WriteHyperAccess(OptimizerModel m, IndentedWriter w)
    {
        WriteHyperSwitch(m, w, "public override void SetHyper(string name, int group, double value)", h => $"_hypers[group].{h.Property} = value; return;",
                         "SetOtherHyper(name, group, value); return;");
        WriteHyperSwitch(m, w, "public override double GetHyper(string name, int group = 0)", h => $"return _hypers[group].{h.Property};",
                         "return OtherHyper(name, group);");
        w.Line($"private static readonly string[] __hyperNames = {{ {string.Join(", ", m.Hypers.Select(h => $"\"{h.SnakeName}\""))} }};");
        w.Line($"private static readonly string[] __elementStateNames = {{ {string.Join(", ", m.ElementStates.Select(e => $"\"{HyperModel.FastaiName(e)}\""))} }};");
        w.Line($"private static readonly string[] __perTensorNames = {{ {string.Join(", ", m.PerTensorStates.Select(e => $"\"{HyperModel.FastaiName(e.Name)}\""))} }};");
        w.Line("/// <inheritdoc/>");
        w.Line("protected override global::System.Collections.Generic.IReadOnlyList<string> HyperNames => __hyperNames;");
        w.Line("/// <inheritdoc/>");
        w.Line("protected override global::System.Collections.Generic.IReadOnlyList<string> ElementStateNames => __elementStateNames;");
        w.Line("/// <inheritdoc/>");
        w.Line("protected override global::System.Collections.Generic.IReadOnlyList<string> PerTensorNames => __perTensorNames;");
        w.Line("/// <inheritdoc/>");
        w.Open("protected override double PerTensor(int index, int param, double? set = null)");
        w.Open("switch (index)");
        foreach (var (state, k) in m.PerTensorStates.Select((st, k) => (st, k)))
            w.Line($"case {k}: if (set is double v{k}) _{state.Name}[param] = ({state.Type})v{k}; return _{state.Name}[param];");
        w.Line("default: throw new global::System.ArgumentOutOfRangeException(nameof(index));");
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open("protected override void ClearPerTensorState()");
        foreach (var s in m.PerTensorStates) w.Line($"global::System.Array.Clear(_{s.Name});");
        w.Close();
        w.Line();
    }

    /// <summary>A switch on the hyper's name (fastai's or the step's) with one action per hyper; other names go to the base's store.</summary>
    private static void WriteHyperSwitch(OptimizerModel m, IndentedWriter w, string signature, System.Func<HyperModel, string> action, string other)
    {
        w.Line("/// <inheritdoc/>");
        w.Open(signature);
        w.Open("switch (name)");
        foreach (var h in m.Hypers) w.Line($"{Cases(h)} {action(h)}");
        w.Line($"default: {other}");
        w.Close();
        w.Close();
        w.Line();
    }

    private static string Cases(HyperModel h) => h.SnakeName == h.Name ? $"case \"{h.Name}\":" : $"case \"{h.SnakeName}\": case \"{h.Name}\":";

    private static void WriteStep(OptimizerModel m, IndentedWriter w)
    {
        var tensorArguments = string.Join(", ", new[] { "Parameters[i]", "grad" }.Concat(m.ElementStates.Select((_, k) => $"ElementState(i, {k})"))
            .Concat(KernelEmitter.StateArguments(m, "i", "hypers")));
        w.Line("/// <summary>One step of every parameter that has a gradient (fastai skips the others): fused passes over memory, tensor steps between them.</summary>");
        w.Open("public override void Step()");
        bool flatTensor = KernelEmitter.HasFlatTensorPath(m), flatKernel = KernelEmitter.HasFlatKernel(m);
        if (flatTensor || flatKernel) w.Line($"StepFlatGroups({FlatKernelsField} ??= {FlatKernels(flatTensor, flatKernel)});");
        w.Open("for (int i = 0; i < Parameters.Count; i++)");
        if (flatTensor || flatKernel) w.Line("if (SteppedFlat(i)) continue;");
        w.Line("if (!TryGrad(i, out var gradData, out bool gradContiguous)) continue;");
        w.Line("ref readonly Hypers hypers = ref _hypers[GroupOf[i]];");
        w.Open("if (!TakesCpuKernel(i, gradContiguous))");
        var missing = m.Steps.Select(u => u.Elementwise).FirstOrDefault(e => e is not null && !e.HasTensorForm);
        w.Line("using var grad = Parameters[i].grad!;");
        if (missing is null)
        {
            w.Line($"TensorKernel({tensorArguments});");
            w.Line("continue;");
        }
        else w.Line($"throw NoTensorPath(\"{missing.Name}\");");
        w.Close();
        foreach (var (index, run, tensorStep) in m.Segments())
        {
            if (tensorStep is not null)
            {
                w.Open("");
                w.Line("using var grad = Parameters[i].grad!;");
                w.Line($"TensorStep{index}({tensorArguments});");
                w.Close();
                continue;
            }
            WriteDTypeSwitch(w, "ParamType(i)", type => KernelEmitter.StepOne(m, KernelEmitter.KernelField(index, type), "i", "hypers",
                new[] { $"ParamElements<{type}>(i)", $"GradElements<{type}>(i, gradData)" }.Concat(m.ElementStates.Select((_, k) => $"StateElements<{type}>(i, {k})"))),
                "throw UnsupportedDType(Parameters[i]);");
        }
        w.Close();
        w.Close();
        w.Line();
        if (flatTensor || flatKernel)
        {
            w.Line($"private global::Gen.Internals.FlatKernels? {FlatKernelsField};");
            w.Line();
        }
        if (flatTensor) WriteFlatSliceHooks(m, w);
        if (flatKernel)
        {
            WriteFlatRunHooks(m, w);
            WriteFlatRunLowHooks(m, w);
        }
    }

    /// <summary>The CPU kernels' element types, with their TorchSharp scalar types.</summary>
    internal static readonly (string Type, string Scalar)[] ElementTypes = [("float", "Float32"), ("double", "Float64")];

    /// <summary>A switch on <paramref name="dtype"/> with one statement per kernel element type, and <paramref name="otherwise"/> for any other.</summary>
    private static void WriteDTypeSwitch(IndentedWriter w, string dtype, System.Func<string, string> statement, string otherwise)
    {
        w.Open($"switch ({dtype})");
        foreach (var (type, scalar) in ElementTypes) w.Line($"case global::TorchSharp.torch.ScalarType.{scalar}: {statement(type)}; break;");
        w.Line($"default: {otherwise}");
        w.Close();
    }

    private const string FlatKernelsField = "__flatKernels";

    private static string FlatKernels(bool flatTensor, bool flatKernel)
    {
        var hooks = new List<string>();
        if (flatTensor) hooks.AddRange(["PrepareSlices = PrepareFlatSlices", "RunSlice = RunFlatSlice"]);
        if (flatKernel) hooks.AddRange(["PrepareRun = PrepareFlatRun", "Run = RunFlatRun", "PrepareLowRun = PrepareFlatRunLow", "RunLow = RunFlatRunLow"]);
        return $"new() {{ {string.Join(", ", hooks)} }}";
    }

    private static void WriteFlatSliceHooks(OptimizerModel m, IndentedWriter w)
    {
        w.Line("/// <summary>The tensor path over a group's flat buffers, once per group: the first member's per-tensor state stands for all.</summary>");
        w.Line($"private void PrepareFlatSlices(global::Gen.Internals.FlatGroup flat, int first, int group) => {KernelEmitter.Prepare(m, KernelEmitter.TensorKernelField, "first", "_hypers[group]")};");
        w.Line();
        var slice = new[] { "slice.Param", "slice.Grad" }.Concat(m.ElementStates.Select((_, k) => $"slice.States[{k}]"));
        w.Line("/// <summary>The prepared tensor path over one slice of the group's flat buffers.</summary>");
        w.Line($"private void RunFlatSlice(global::Gen.Internals.FlatSlice slice) => {KernelEmitter.TensorKernelField}!.Run({string.Join(", ", slice)});");
        w.Line();
    }

    private static void WriteFlatRunHooks(OptimizerModel m, IndentedWriter w)
    {
        w.Line("/// <summary>The fused kernel over runs of a group's flat buffers, once per run: the first member's per-tensor state stands for all.</summary>");
        w.Open("private void PrepareFlatRun(global::Gen.Internals.FlatGroup flat, int first, int group)");
        WriteDTypeSwitch(w, "flat.ScalarType", type => KernelEmitter.Prepare(m, KernelEmitter.KernelField(0, type), "first", "_hypers[group]"),
                         "throw UnsupportedDType(Parameters[first]);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The prepared fused kernel over elements [start, start + length) of a group's flat buffers.</summary>");
        w.Open("private void RunFlatRun(global::Gen.Internals.FlatGroup flat, long start, int length)");
        string Spans(string type) => string.Join(", ", new[] { $"flat.ParamElements<{type}>(start, length)", $"flat.GradElements<{type}>(start, length)" }
            .Concat(m.ElementStates.Select((_, k) => $"flat.StateElements<{type}>({k}, start, length)")));
        WriteDTypeSwitch(w, "flat.ScalarType", type => $"{KernelEmitter.KernelField(0, type)}!.Run({Spans(type)})",
                         "throw new global::System.InvalidOperationException($\"No fused kernel was prepared for {flat.ScalarType}.\");");
        w.Close();
        w.Line();
    }

    /// <summary>The fused kernel in mixed precision over runs of a group's float32 masters and their low-precision copies.</summary>
    private static void WriteFlatRunLowHooks(OptimizerModel m, IndentedWriter w)
    {
        w.Line("/// <inheritdoc/>");
        w.Line("protected override bool HasLowPrecisionKernel => true;");
        w.Line();
        w.Line("/// <summary>The mixed-precision kernel, once per run of float32 masters: the first member's per-tensor state stands for all.</summary>");
        w.Open("private void PrepareFlatRunLow(global::Gen.Internals.FlatGroup flat, int first, int group)");
        w.Line("if (flat.ScalarType != global::TorchSharp.torch.ScalarType.Float32) throw UnsupportedDType(Parameters[first]);");
        w.Line($"{KernelEmitter.Prepare(m, KernelEmitter.LowKernelField, "first", "_hypers[group]")};");
        w.Close();
        w.Line();
        var spans = new[] { "flat.ParamElements<float>(start, length)", "low.GradElements(start, length)", "low.ParamElements(start, length)" }
            .Concat(m.ElementStates.Select((_, k) => $"flat.StateElements<float>({k}, start, length)")).Concat(["LowPrecisionUnscale", "low.Format"]);
        w.Line("/// <summary>The prepared mixed-precision kernel over a run: reads the copies' gradients, updates the masters and their state, writes the copies' weights.</summary>");
        w.Line($"private void RunFlatRunLow(global::Gen.Internals.FlatGroup flat, global::Gen.Internals.LowPrecisionFlat low, long start, int length) => {KernelEmitter.LowKernelField}!.Run({string.Join(", ", spans)});");
        w.Line();
    }
}
