using System.Collections.Generic;
using System.Linq;
using Gen.Generators.Common;

namespace Gen.Generators.Optimizers;

/// <summary>Writes an optimizer: typed hypers per group, state, the hyper switch, Step() and the fused kernels (float and double).</summary>
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
            WriteKernels(m, w);
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
        foreach (var (index, run, _) in m.Segments())
            if (run is not null)
                foreach (var type in new[] { "float", "double" }) w.Line($"private {ChunkWorkClass(index, type)}? {ChunkWorkField(index, type)};");
        if (HasFlatKernel(m)) w.Line($"private {LowChunkWorkClass}? {LowChunkWorkField};");
        w.Line();
    }

    private static void WriteConstructor(OptimizerModel m, IndentedWriter w)
    {
        var arguments = m.Hypers.Select(h => h.Default is double d ? $"double {h.Name} = {Number(d)}" : $"double {h.Name}")
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
            .Concat(m.PerTensorStates.Select(s => $"ref _{s.Name}[i]")).Append("in hypers"));
        w.Line("/// <summary>One step of every parameter that has a gradient (fastai skips the others): fused passes over memory, tensor steps between them.</summary>");
        w.Open("public override void Step()");
        bool flatTensor = HasFlatTensorPath(m), flatKernel = HasFlatKernel(m);
        if (flatTensor || flatKernel)
            w.Line($"StepFlatGroups({(flatTensor ? "__flatKernel ??= StepFlat" : "null")}, {(flatKernel ? "__flatRunKernel ??= StepFlatRun, __flatRunLowKernel ??= StepFlatRunLow" : "null")});");
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
            WriteKernelSwitch(m, w, index, "ParamType(i)", "Parameters[i]", type => ParamKernelElements(m, type), "i", "hypers");
        }
        w.Close();
        w.Close();
        w.Line();
        if (flatTensor) WriteStepFlat(m, w);
        if (flatKernel)
        {
            WriteStepFlatRun(m, w);
            WriteStepFlatRunLow(m, w);
        }
    }

    /// <summary>A switch on the dtype that calls kernel <paramref name="index"/> on float or double elements.</summary>
    private static void WriteKernelSwitch(OptimizerModel m, IndentedWriter w, int index, string dtype, string param,
                                          System.Func<string, IEnumerable<string>> elements, string perTensorIndex, string hypers)
    {
        w.Open($"switch ({dtype})");
        foreach (var (type, scalar) in new[] { ("float", "Float32"), ("double", "Float64") })
        {
            var arguments = elements(type).Concat(m.PerTensorStates.Select(s => $"ref _{s.Name}[{perTensorIndex}]"))
                .Append($"in {hypers}").Append($"{ChunkWorkField(index, type)} ??= new()");
            w.Line($"case global::TorchSharp.torch.ScalarType.{scalar}: Kernel{index}({string.Join(", ", arguments)}); break;");
        }
        w.Line($"default: throw UnsupportedDType({param});");
        w.Close();
    }

    private static IEnumerable<string> ParamKernelElements(OptimizerModel m, string type) =>
        new[] { $"ParamElements<{type}>(i)", $"GradElements<{type}>(i, gradData)" }
            .Concat(m.ElementStates.Select((_, k) => $"StateElements<{type}>(i, {k})"));

    private static void WriteStepFlat(OptimizerModel m, IndentedWriter w)
    {
        var flatArguments = new[] { "slice.Param", "slice.Grad" }.Concat(m.ElementStates.Select((_, k) => $"slice.States[{k}]"))
            .Concat(m.PerTensorStates.Select(s => $"ref _{s.Name}[first]")).Append("in _hypers[group]");
        w.Line("private FlatKernel? __flatKernel;");
        w.Line();
        w.Line("/// <summary>The tensor path over a slice of a group's flat buffers; its members share the first one's per-tensor state.</summary>");
        w.Line($"private void StepFlat(global::Gen.Internals.FlatSlice slice, int first, int group) => TensorKernel({string.Join(", ", flatArguments)});");
        w.Line();
    }

    private static void WriteStepFlatRun(OptimizerModel m, IndentedWriter w)
    {
        w.Line("private FlatRunKernel? __flatRunKernel;");
        w.Line();
        w.Line("/// <summary>The fused kernel over a run of a group's flat buffers; the run's parameters share the first one's per-tensor state.</summary>");
        w.Open("private void StepFlatRun(global::Gen.Internals.FlatGroup flat, long start, int length, int first, int group)");
        WriteKernelSwitch(m, w, 0, "flat.ScalarType", "Parameters[first]",
            type => new[] { $"flat.ParamElements<{type}>(start, length)", $"flat.GradElements<{type}>(start, length)" }
                .Concat(m.ElementStates.Select((_, k) => $"flat.StateElements<{type}>({k}, start, length)")),
            "first", "_hypers[group]");
        w.Close();
        w.Line();
    }

    /// <summary>The fused kernel in mixed precision over a run of a group's float32 masters and their low-precision copies.</summary>
    private static void WriteStepFlatRunLow(OptimizerModel m, IndentedWriter w)
    {
        w.Line("private FlatRunLowKernel? __flatRunLowKernel;");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("protected override bool HasLowPrecisionKernel => true;");
        w.Line();
        w.Line("/// <summary>The mixed-precision kernel over a run: reads the copies' gradients, updates the masters and their state, writes the copies' weights.</summary>");
        w.Open("private void StepFlatRunLow(global::Gen.Internals.FlatGroup flat, global::Gen.Internals.LowPrecisionFlat low, long start, int length, int first, int group)");
        w.Line("if (flat.ScalarType != global::TorchSharp.torch.ScalarType.Float32) throw UnsupportedDType(Parameters[first]);");
        var arguments = new[] { "flat.ParamElements<float>(start, length)", "low.GradElements(start, length)", "low.ParamElements(start, length)", "LowPrecisionUnscale", "low.Format" }
            .Concat(m.ElementStates.Select((_, k) => $"flat.StateElements<float>({k}, start, length)"))
            .Concat(m.PerTensorStates.Select(s => $"ref _{s.Name}[first]")).Append("in _hypers[group]").Append($"{LowChunkWorkField} ??= new()");
        w.Line($"KernelLow({string.Join(", ", arguments)});");
        w.Close();
        w.Line();
    }

    /// <summary>Whether whole groups can take the fused CPU kernel as one: every step is elementwise (none needs a single parameter's tensor, as a norm does).</summary>
    private static bool HasFlatKernel(OptimizerModel m) => m.Steps.All(u => u.Elementwise is not null);

    /// <summary>Whether whole groups can take the tensor path as one: every step has a tensor form and none needs a single parameter's tensor (a norm).</summary>
    private static bool HasFlatTensorPath(OptimizerModel m) => m.Steps.All(u => u.Elementwise is { HasTensorForm: true });

    private static string ChunkWorkField(int index, string type) => "__" + char.ToLowerInvariant(ChunkWorkClass(index, type)[0]) + ChunkWorkClass(index, type).Substring(1);

    /// <summary>The tensor parameters, per-tensor refs and hypers that kernels and tensor-step wrappers take.</summary>
    private static string Parameters(OptimizerModel m, string elementType) =>
        string.Join(", ", new[] { "p", "grad" }.Concat(m.ElementStates).Select(e => $"{elementType} {Span(e)}")
            .Concat(m.PerTensorStates.Select(s => $"ref {s.Type} {s.Name}")).Append("in Hypers __h"));

    private static void WriteHyperLocals(OptimizerModel m, IndentedWriter w)
    {
        foreach (var h in m.Hypers) w.Line($"double {h.Name} = __h.{h.Property};");
    }

    private static void WriteKernels(OptimizerModel m, IndentedWriter w)
    {
        foreach (var (index, run, tensorStep) in m.Segments())
        {
            if (tensorStep is not null) { WriteTensorStep(m, w, index, tensorStep); continue; }
            WriteKernel(m, w, index, run!, "float");
            WriteKernel(m, w, index, run!, "double");
        }
        if (m.Steps.All(u => u.Elementwise is null || u.Elementwise.HasTensorForm)) WriteTensorKernel(m, w);
        if (HasFlatKernel(m) && m.Segments().FirstOrDefault().Run is { } lowRun) WriteLowKernel(m, w, lowRun);
    }

    // The spans of the mixed-precision kernel: the masters, the copies' gradients and weights (16-bit patterns), the states.
    private const string GradLow = "__gradLow", ParamLow = "__pLow", Unscale = "__unscale", Format = "__format";
    private const string LowChunkWorkClass = "KernelLowChunks";
    private const string LowChunkWorkField = "__kernelLowChunks";

    /// <summary>
    /// The fused kernel in mixed precision (float32 masters, every step elementwise): as <see cref="WriteKernel"/>, but its
    /// loop reads each gradient from the low-precision copy, times the unscale factor, and after the steps writes the
    /// master rounded into the copy. One scalar pass (no vector form), split across cores for long runs.
    /// </summary>
    private static void WriteLowKernel(OptimizerModel m, IndentedWriter w, IReadOnlyList<KernelStep> run)
    {
        var spans = new List<(string Type, string Name)> { ("float", Span("p")), ("ushort", GradLow), ("ushort", ParamLow) };
        spans.AddRange(m.ElementStates.Select(st => ("float", Span(st))));
        var values = new List<(string Type, string Name)> { ("float", Unscale), ("global::Gen.Internals.LowPrecisionFormat", Format) };
        values.AddRange(Hoisted(run, "float"));
        var shape = new KernelShape("KernelLow", "LoopLow", LowChunkWorkClass, spans, values);
        var parameters = spans.Take(3).Select(sp => $"global::System.Span<{sp.Type}> {sp.Name}").Concat(values.Take(2).Select(v => $"{v.Type} {v.Name}"))
            .Concat(spans.Skip(3).Select(sp => $"global::System.Span<{sp.Type}> {sp.Name}"))
            .Concat(m.PerTensorStates.Select(s => $"ref {s.Type} {s.Name}")).Append("in Hypers __h");
        WriteKernelMethod(m, w, run, "float", shape, string.Join(", ", parameters));

        w.Open($"private static void LoopLow({LoopParameters(shape)})");
        // The gradient is read from the copy and not written back (a step that changes grad changes only its local copy).
        WriteLoop(w, run, "__p.Length", "float", "", step => step.LoopFloat,
                  load: name => name == "grad" ? $"global::Gen.Internals.LowPrecision.ToSingle({GradLow}[__j], {Format}) * {Unscale}" : null,
                  store: name => name == "grad" ? [] : name == "p" ? [$"{Span("p")}[__j] = {ElementLocal("p")};", $"{ParamLow}[__j] = global::Gen.Internals.LowPrecision.FromSingle({ElementLocal("p")}, {Format});"] : null);
        w.Close();
        w.Line();

        WriteChunkClass(w, shape, "KernelLow's loop, for ParallelChunks.");
    }

    /// <summary>
    /// A fused kernel in three parts: the per-tensor code (hypers, invariant statements, hoisted values, per-tensor
    /// state), which runs once; the element loop, a method of the buffers and the hoisted values; and a
    /// <c>ChunkWork</c> class that carries both to other cores, so large tensors are split across them.
    /// </summary>
    private static void WriteKernel(OptimizerModel m, IndentedWriter w, int index, IReadOnlyList<KernelStep> run, string type)
    {
        var shape = new KernelShape($"Kernel{index}", $"Loop{index}", ChunkWorkClass(index, type),
                                    SpanNames(m).Select(span => (type, span)).ToList(), Hoisted(run, type));
        WriteKernelMethod(m, w, run, type, shape, Parameters(m, $"global::System.Span<{type}>"));
        WriteLoopMethod(w, run, type, shape);
        WriteChunkClass(w, shape, $"Kernel{index}'s loop over {type} buffers, for ParallelChunks.");
    }

    /// <summary>A kernel's names and what its loop takes: buffers (element type, name) and per-tensor values (type, name).</summary>
    private sealed record KernelShape(string Kernel, string Loop, string Chunks,
                                      IReadOnlyList<(string Type, string Name)> Spans, IReadOnlyList<(string Type, string Name)> Values);

    /// <summary>The values a run hoists out of its loop: numbers in the element type, conditions as bool.</summary>
    private static List<(string Type, string Name)> Hoisted(IReadOnlyList<KernelStep> run, string type) =>
        run.SelectMany(s => s.HoistedNumbers.Select(n => (Type: type, Name: n)).Concat(s.HoistedBools.Select(b => (Type: "bool", Name: b)))).ToList();

    private static string LoopParameters(KernelShape shape) =>
        string.Join(", ", shape.Spans.Select(sp => $"global::System.Span<{sp.Type}> {sp.Name}").Concat(shape.Values.Select(v => $"{v.Type} {v.Name}")));

    /// <summary>The kernel method: per-tensor code once, then the loop, on this thread for short buffers, else in chunks across cores.</summary>
    private static void WriteKernelMethod(OptimizerModel m, IndentedWriter w, IReadOnlyList<KernelStep> run, string type, KernelShape shape, string parameters)
    {
        w.Open($"private static void {shape.Kernel}({parameters}, {shape.Chunks} __chunks)");
        // Per tensor, in double (fastai's hyper arithmetic is in Python floats); the loop sees hoisted values in the element type.
        WriteHyperLocals(m, w);
        foreach (var step in run)
            foreach (var line in step.PreLoop) w.Line(line.Replace(KernelStep.ElementType, type));
        w.Open("if (__p.Length < global::Gen.Internals.ParallelChunks.MinLength)");
        w.Line($"{shape.Loop}({string.Join(", ", shape.Spans.Select(sp => sp.Name).Concat(shape.Values.Select(v => v.Name)))});");
        w.Line("return;");
        w.Close();
        foreach (var (_, span) in shape.Spans) w.Line($"__chunks.{span} = global::Gen.Internals.ChunkWork.AddressOf({span});");
        foreach (var (_, value) in shape.Values) w.Line($"__chunks.{value} = {value};");
        w.Line("global::Gen.Internals.ParallelChunks.Run(__chunks, __p.Length);");
        w.Close();
        w.Line();
    }

    /// <summary>The <c>ChunkWork</c> class that runs a kernel's loop over one chunk of its buffers.</summary>
    private static void WriteChunkClass(IndentedWriter w, KernelShape shape, string summary)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Open($"private sealed class {shape.Chunks} : global::Gen.Internals.ChunkWork");
        w.Line($"public nint {string.Join(", ", shape.Spans.Select(sp => sp.Name))};");
        foreach (var group in shape.Values.GroupBy(v => v.Type)) w.Line($"public {group.Key} {string.Join(", ", group.Select(v => v.Name))};");
        var chunkArguments = shape.Spans.Select(sp => $"Elements<{sp.Type}>({sp.Name}, start, length)").Concat(shape.Values.Select(v => v.Name));
        w.Line($"public override void RunChunk(int start, int length) => {shape.Loop}({string.Join(", ", chunkArguments)});");
        w.Close();
        w.Line();
    }

    private static string ChunkWorkClass(int index, string type) => $"Kernel{index}{(type == "float" ? "Float" : "Double")}Chunks";

    /// <summary>The element loop: whole vectors first when every step has a vector form, then the remaining elements one by one.</summary>
    private static void WriteLoopMethod(IndentedWriter w, IReadOnlyList<KernelStep> run, string type, KernelShape shape)
    {
        var spans = shape.Spans.Select(sp => sp.Name).ToList();
        w.Open($"private static void {shape.Loop}({LoopParameters(shape)})");
        var start = "0";
        if (run.All(s => s.Vectorizable))
        {
            var vector = $"global::System.Numerics.Vector<{type}>";
            foreach (var span in spans)
                w.Line($"var {span}v = global::System.Runtime.InteropServices.MemoryMarshal.Cast<{type}, {vector}>({span});");
            foreach (var number in run.SelectMany(s => s.HoistedNumbers))
                w.Line($"var {VectorRewriter.Broadcast(number)} = new {vector}({number});");
            WriteLoop(w, run, "__pv.Length", vector, "v",
                step => step.LoopVector.Select(l => l.Replace(VectorRewriter.VectorType, vector).Replace(KernelStep.ElementType, type)));
            start = $"__pv.Length * {vector}.Count";
        }
        WriteLoop(w, run, "__p.Length", type, "", step => type == "float" ? step.LoopFloat : step.LoopDouble, start);
        w.Close();
        w.Line();
    }

    /// <summary>A tensor step, wrapped: hypers from the group, no autograd, temporaries disposed.</summary>
    private static void WriteTensorStep(OptimizerModel m, IndentedWriter w, int index, StepUnit unit)
    {
        w.Open($"private static void TensorStep{index}({Parameters(m, "global::TorchSharp.torch.Tensor")})");
        WriteHyperLocals(m, w);
        w.Line("using var __scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line("using var __noGrad = global::TorchSharp.torch.no_grad();");
        w.Line($"{TensorStepCall(unit.Tensor!)};");
        w.Close();
        w.Line();
    }

    private static string TensorStepCall(TensorStepCall call) =>
        $"{call.Method}({string.Join(", ", call.Arguments.Select(a => a.Literal ?? (a.Role is Role.Param or Role.Grad or Role.Element ? Span(a.Name) : a.IsRef ? $"ref {a.Name}" : a.Name)))})";

    /// <summary>The tensor path: every step as whole-tensor TorchSharp ops, in order, for any device.</summary>
    private static void WriteTensorKernel(OptimizerModel m, IndentedWriter w)
    {
        w.Open($"private static void TensorKernel({Parameters(m, "global::TorchSharp.torch.Tensor")})");
        WriteHyperLocals(m, w);
        w.Line("using var __scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line("using var __noGrad = global::TorchSharp.torch.no_grad();");
        foreach (var unit in m.Steps)
        {
            if (unit.Tensor is not null) { w.Line($"{TensorStepCall(unit.Tensor)};"); continue; }
            var step = unit.Elementwise!;
            foreach (var line in step.PreLoop) w.Line(line.Replace(KernelStep.ElementType, "double"));
            if (step.LoopTensor.Count == 0) continue;
            w.Open($"// {step.Name}");
            foreach (var e in step.Elements) w.Line($"var {e.Name} = {Span(e.Name)};");
            foreach (var line in step.LoopTensor) w.Line(line);
            w.Close();
        }
        w.Close();
        w.Line();
    }

    private static IEnumerable<string> SpanNames(OptimizerModel m) =>
        new[] { "p", "grad" }.Concat(m.ElementStates).Select(Span);

    /// <summary>
    /// One element loop. Each element the run names is read once into a local at the top and each one a step
    /// takes by ref is written back once at the end; each step's statements run in a block that binds the
    /// elements it names to copies of those locals (written back after a ref step). Through refs into the
    /// buffers instead, the JIT would load and store memory between steps, since it cannot tell the buffers apart.
    /// </summary>
    private static void WriteLoop(IndentedWriter w, IReadOnlyList<KernelStep> run, string length, string elementType, string spanSuffix,
                                  System.Func<KernelStep, IEnumerable<string>> lines, string start = "0",
                                  System.Func<string, string?>? load = null, System.Func<string, IEnumerable<string>?>? store = null)
    {
        var read = run.SelectMany(s => s.Elements).Select(e => e.Name).Distinct().ToList();
        var written = run.SelectMany(s => s.Elements).Where(e => e.IsRef).Select(e => e.Name).Distinct().ToList();
        w.Open($"for (int __j = {start}; __j < {length}; __j++)");
        foreach (var name in read) w.Line($"{elementType} {ElementLocal(name)} = {load?.Invoke(name) ?? $"{Span(name)}{spanSuffix}[__j]"};");
        foreach (var step in run)
        {
            var loop = lines(step).ToList();
            if (loop.Count == 0) continue;
            w.Open($"// {step.Name}");
            foreach (var e in step.Elements) w.Line($"{elementType} {e.Name} = {ElementLocal(e.Name)};");
            foreach (var line in loop) w.Line(line);
            foreach (var e in step.Elements.Where(e => e.IsRef)) w.Line($"{ElementLocal(e.Name)} = {e.Name};");
            w.Close();
        }
        foreach (var name in written)
            foreach (var line in store?.Invoke(name) ?? [$"{Span(name)}{spanSuffix}[__j] = {ElementLocal(name)};"]) w.Line(line);
        w.Close();
    }

    /// <summary>The loop's local copy of element <paramref name="element"/> at index __j.</summary>
    private static string ElementLocal(string element) => "__" + element + "_j";

    private static string Span(string element) => "__" + element;

    private static string Number(double d) => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
