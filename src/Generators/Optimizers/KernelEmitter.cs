using System.Collections.Generic;
using System.Linq;
using Gen.Generators.Common;

namespace Gen.Generators.Optimizers;

/// <summary>
/// Writes an optimizer's kernels. A fused kernel is a class in two parts: <c>Prepare</c>, the per-tensor code (hypers,
/// invariant statements, per-tensor state, the values its loop reads), which runs once per tensor or once per run of
/// tensors that share per-tensor state; and <c>Run</c>, the element loop over buffers, on this thread for short ones and
/// otherwise in chunks across cores (the class is the <c>ChunkWork</c> that carries the loop to them). Runs split into
/// pieces, the tensor path's slices and the chunks call only <c>Run</c>, so per-tensor code never runs twice for one step.
/// The tensor path has the same two parts when every step is elementwise; with tensor steps (norms) it is one method, in
/// step order.
/// </summary>
internal static class KernelEmitter
{
    public const string TensorKernelField = "__tensorKernel", LowKernelField = "__kernelLow";
    private const string TensorKernelClass = "TensorKernelParts", LowKernelClass = "KernelLow";

    // The spans of the mixed-precision kernel: the masters, the copies' gradients and weights (16-bit patterns), the states.
    private const string GradLow = "__low_grad", ParamLow = "__low_p", Unscale = "__low_unscale", Format = "__low_format";

    /// <summary>Whether whole groups can take the fused CPU kernel as one: every step is elementwise (none needs a single parameter's tensor, as a norm does).</summary>
    public static bool HasFlatKernel(OptimizerModel m) => m.Steps.All(u => u.Elementwise is not null);

    /// <summary>Whether whole groups can take the tensor path as one: every step has a tensor form and none needs a single parameter's tensor (a norm).</summary>
    public static bool HasFlatTensorPath(OptimizerModel m) => m.Steps.All(u => u.Elementwise is { HasTensorForm: true });

    public static string KernelField(int index, string type) => $"__kernel{index}{TypeSuffix(type)}";

    private static string KernelClass(int index, string type) => $"Kernel{index}{TypeSuffix(type)}";

    private static string TypeSuffix(string type) => type == "float" ? "Float" : "Double";

    /// <summary>The call that prepares the kernel in <paramref name="field"/> (made at its first use) for a tensor's per-tensor state and a group's hypers.</summary>
    public static string Prepare(OptimizerModel m, string field, string perTensorIndex, string hypers) =>
        $"({field} ??= new()).Prepare({string.Join(", ", StateArguments(m, perTensorIndex, hypers))})";

    /// <summary>The call that steps one tensor with the kernel in <paramref name="field"/>: its buffers are read before its per-tensor state moves.</summary>
    public static string StepOne(OptimizerModel m, string field, string perTensorIndex, string hypers, IEnumerable<string> spans) =>
        $"({field} ??= new()).Step({string.Join(", ", StateArguments(m, perTensorIndex, hypers).Concat(spans))})";

    /// <summary>A parameter's per-tensor state fields (by ref) and its group's hypers, as kernels take them.</summary>
    public static IEnumerable<string> StateArguments(OptimizerModel m, string perTensorIndex, string hypers) =>
        m.PerTensorStates.Select(s => $"ref _{s.Name}[{perTensorIndex}]").Append($"in {hypers}");

    /// <summary>A kernel method's own per-tensor and hyper parameters passed on to Prepare.</summary>
    private static string ForwardedState(OptimizerModel m) =>
        string.Join(", ", m.PerTensorStates.Select(s => $"ref {s.Name}").Append("in __h"));

    /// <summary>The fields that hold each kernel, made at its first use and reused, so that a step allocates nothing.</summary>
    public static void WriteKernelFields(OptimizerModel m, IndentedWriter w)
    {
        foreach (var (index, run, _) in m.Segments())
            if (run is not null)
                foreach (var (type, _) in OptimizerEmitter.ElementTypes) w.Line($"private {KernelClass(index, type)}? {KernelField(index, type)};");
        if (HasFlatKernel(m)) w.Line($"private {LowKernelClass}? {LowKernelField};");
        if (HasFlatTensorPath(m)) w.Line($"private {TensorKernelClass}? {TensorKernelField};");
    }

    public static void WriteKernels(OptimizerModel m, IndentedWriter w)
    {
        foreach (var (index, run, tensorStep) in m.Segments())
        {
            if (tensorStep is not null) { WriteTensorStep(m, w, index, tensorStep); continue; }
            foreach (var (type, _) in OptimizerEmitter.ElementTypes) WriteKernel(m, w, index, run!, type);
        }
        if (HasFlatTensorPath(m)) WriteTensorKernelParts(m, w);
        else if (m.Steps.All(u => u.Elementwise is null || u.Elementwise.HasTensorForm)) WriteTensorKernel(m, w);
        if (HasFlatKernel(m) && m.Segments().FirstOrDefault().Run is { } lowRun) WriteLowKernel(m, w, lowRun);
    }

    /// <summary>A kernel's names and what its loop takes: buffers (element type, name), values set by Run, and values set by Prepare.</summary>
    private sealed record KernelShape(string Class, string Loop, IReadOnlyList<(string Type, string Name)> Spans,
                                      IReadOnlyList<(string Type, string Name)> RunValues, IReadOnlyList<(string Type, string Name)> Values)
    {
        public IEnumerable<(string Type, string Name)> LoopValues => RunValues.Concat(Values);
    }

    /// <summary>Fused kernel <paramref name="index"/> over <paramref name="type"/> buffers: its static loop and its class.</summary>
    private static void WriteKernel(OptimizerModel m, IndentedWriter w, int index, IReadOnlyList<KernelStep> run, string type)
    {
        var shape = new KernelShape(KernelClass(index, type), $"Loop{index}", SpanNames(m).Select(span => (type, span)).ToList(), [], Hoisted(run, type));
        WriteLoopMethod(w, run, type, shape);
        WriteKernelClass(m, w, run, type, shape, $"Kernel {index} over {type} buffers: per-tensor code once, then the loop, in chunks across cores for long buffers.", stepOne: true);
    }

    /// <summary>
    /// The fused kernel in mixed precision (float32 masters, every step elementwise): its loop reads each gradient from the
    /// low-precision copy, times the unscale factor, and after the steps writes the master rounded into the copy. One
    /// scalar pass (no vector form), split across cores for long runs.
    /// </summary>
    private static void WriteLowKernel(OptimizerModel m, IndentedWriter w, IReadOnlyList<KernelStep> run)
    {
        var spans = new List<(string Type, string Name)> { ("float", Span("p")), ("ushort", GradLow), ("ushort", ParamLow) };
        spans.AddRange(m.ElementStates.Select(st => ("float", Span(st))));
        var shape = new KernelShape(LowKernelClass, "LoopLow", spans,
                                    [("float", Unscale), ("global::Gen.Internals.LowPrecisionFormat", Format)], Hoisted(run, "float"));
        w.Open($"private static void {shape.Loop}({LoopParameters(shape)})");
        // The gradient is read from the copy and not written back (a step that changes grad changes only its local copy).
        WriteLoop(w, run, "__p.Length", "float", "", step => step.LoopFloat,
                  load: name => name == "grad" ? $"global::Gen.Internals.LowPrecision.ToSingle({GradLow}[__j], {Format}) * {Unscale}" : null,
                  store: name => name == "grad" ? [] : name == "p" ? [$"{Span("p")}[__j] = {ElementLocal("p")};", $"{ParamLow}[__j] = global::Gen.Internals.LowPrecision.FromSingle({ElementLocal("p")}, {Format});"] : null);
        w.Close();
        w.Line();
        WriteKernelClass(m, w, run, "float", shape, "The fused kernel in mixed precision: float32 masters and state, the copies' 16-bit gradients read and weights written in the same pass.");
    }

    /// <summary>The values a run hoists out of its loop: numbers in the element type, conditions as bool.</summary>
    private static List<(string Type, string Name)> Hoisted(IEnumerable<KernelStep> run, string type) =>
        run.SelectMany(s => s.HoistedNumbers.Select(n => (Type: type, Name: n)).Concat(s.HoistedBools.Select(b => (Type: "bool", Name: b)))).ToList();

    private static string LoopParameters(KernelShape shape) =>
        string.Join(", ", shape.Spans.Select(sp => $"global::System.Span<{sp.Type}> {sp.Name}").Concat(shape.LoopValues.Select(v => $"{v.Type} {v.Name}")));

    private static string PrepareParameters(OptimizerModel m) =>
        string.Join(", ", StateParameters(m));

    private static IEnumerable<string> StateParameters(OptimizerModel m) =>
        m.PerTensorStates.Select(s => $"ref {s.Type} {s.Name}").Append("in Hypers __h");

    /// <summary>
    /// A kernel's class: Prepare (per-tensor code, in double as fastai's hyper arithmetic in Python floats; the values the
    /// loop reads then held in the element type), Run (the loop on this thread for short buffers, else in chunks across
    /// cores) and RunChunk (one chunk, on any core).
    /// </summary>
    private static void WriteKernelClass(OptimizerModel m, IndentedWriter w, IReadOnlyList<KernelStep> run, string type, KernelShape shape, string summary, bool stepOne = false)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Open($"private sealed class {shape.Class} : global::Gen.Internals.ChunkWork");
        w.Line($"public nint {string.Join(", ", shape.Spans.Select(sp => sp.Name))};");
        WriteValueFields(w, shape.LoopValues);
        w.Line();
        w.Line("/// <summary>Once per tensor, or per run of tensors that share per-tensor state: hypers, per-tensor state and the values the loop reads.</summary>");
        w.Open($"public void Prepare({PrepareParameters(m)})");
        WriteHyperLocals(m, w);
        foreach (var step in run)
            foreach (var line in step.PreLoop) w.Line(line.Replace(KernelStep.ElementType, type));
        foreach (var (_, value) in shape.Values) w.Line($"this.{value} = {value};");
        w.Close();
        w.Line();
        w.Line("/// <summary>The prepared loop over these buffers: on this thread when they are short, otherwise in chunks across cores.</summary>");
        w.Open($"public void Run({string.Join(", ", shape.Spans.Select(sp => $"global::System.Span<{sp.Type}> {sp.Name}").Concat(shape.RunValues.Select(v => $"{v.Type} {v.Name}")))})");
        foreach (var (_, value) in shape.RunValues) w.Line($"this.{value} = {value};");
        w.Open("if (__p.Length < global::Gen.Internals.ParallelChunks.MinLength)");
        w.Line($"{shape.Loop}({string.Join(", ", shape.Spans.Select(sp => sp.Name).Concat(shape.LoopValues.Select(v => v.Name)))});");
        w.Line("return;");
        w.Close();
        foreach (var (_, span) in shape.Spans) w.Line($"this.{span} = AddressOf({span});");
        w.Line("global::Gen.Internals.ParallelChunks.Run(this, __p.Length);");
        w.Close();
        w.Line();
        if (stepOne)
        {
            w.Line("/// <summary>One tensor: Prepare, then Run over its buffers.</summary>");
            w.Open($"public void Step({PrepareParameters(m)}, {string.Join(", ", shape.Spans.Select(sp => $"global::System.Span<{sp.Type}> {sp.Name}"))})");
            w.Line($"Prepare({ForwardedState(m)});");
            w.Line($"Run({string.Join(", ", shape.Spans.Select(sp => sp.Name))});");
            w.Close();
            w.Line();
        }
        var chunkArguments = shape.Spans.Select(sp => $"Elements<{sp.Type}>({sp.Name}, start, length)").Concat(shape.LoopValues.Select(v => v.Name));
        w.Line("/// <inheritdoc/>");
        w.Line($"public override void RunChunk(int start, int length) => {shape.Loop}({string.Join(", ", chunkArguments)});");
        w.Close();
        w.Line();
    }

    private static void WriteValueFields(IndentedWriter w, IEnumerable<(string Type, string Name)> values)
    {
        foreach (var group in values.GroupBy(v => v.Type)) w.Line($"public {group.Key} {string.Join(", ", group.Select(v => v.Name))};");
    }

    private static void WriteHyperLocals(OptimizerModel m, IndentedWriter w)
    {
        foreach (var h in m.Hypers) w.Line($"double {h.Name} = __h.{h.Property};");
    }

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
        w.Open($"private static void TensorStep{index}({TensorParameters(m)})");
        WriteHyperLocals(m, w);
        w.Line("using var __scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line("using var __noGrad = global::TorchSharp.torch.no_grad();");
        w.Line($"{TensorStepCall(unit.Tensor!)};");
        w.Close();
        w.Line();
    }

    private static string TensorStepCall(TensorStepCall call) =>
        $"{call.Method}({string.Join(", ", call.Arguments.Select(a => a.Literal ?? (a.Role is Role.Param or Role.Grad or Role.Element ? Span(a.Name) : a.IsRef ? $"ref {a.Name}" : a.Name)))})";

    /// <summary>The tensors, per-tensor refs and hypers that the tensor path and tensor steps take.</summary>
    private static string TensorParameters(OptimizerModel m) =>
        string.Join(", ", TensorSpans(m).Concat(StateParameters(m)));

    private static IEnumerable<string> TensorSpans(OptimizerModel m) => SpanNames(m).Select(span => $"global::TorchSharp.torch.Tensor {span}");

    /// <summary>The tensor path with tensor steps: every step as whole-tensor TorchSharp ops, in step order, for any device.</summary>
    private static void WriteTensorKernel(OptimizerModel m, IndentedWriter w)
    {
        w.Open($"private static void TensorKernel({TensorParameters(m)})");
        WriteHyperLocals(m, w);
        w.Line("using var __scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line("using var __noGrad = global::TorchSharp.torch.no_grad();");
        foreach (var unit in m.Steps)
        {
            if (unit.Tensor is not null) { w.Line($"{TensorStepCall(unit.Tensor)};"); continue; }
            foreach (var line in unit.Elementwise!.PreLoop) w.Line(line.Replace(KernelStep.ElementType, "double"));
            WriteTensorOps(w, unit.Elementwise);
        }
        w.Close();
        w.Line();
    }

    /// <summary>
    /// The tensor path when every step is elementwise, in two parts as the fused kernels (per-tensor code first: no step's
    /// per-tensor code reads a tensor), and the per-parameter call that runs both.
    /// </summary>
    private static void WriteTensorKernelParts(OptimizerModel m, IndentedWriter w)
    {
        var steps = m.Steps.Select(u => u.Elementwise!).ToList();
        w.Line("/// <summary>The tensor path: per-tensor code once, then every step as whole-tensor TorchSharp ops, for any device.</summary>");
        w.Open($"private sealed class {TensorKernelClass}");
        WriteValueFields(w, Hoisted(steps, "double"));
        w.Line();
        w.Line("/// <summary>Once per tensor, or per group of tensors that share per-tensor state: hypers, per-tensor state and the values the ops read.</summary>");
        w.Open($"public void Prepare({PrepareParameters(m)})");
        WriteHyperLocals(m, w);
        foreach (var line in steps.SelectMany(step => step.PreLoop)) w.Line(line.Replace(KernelStep.ElementType, "double"));
        foreach (var (_, value) in Hoisted(steps, "double")) w.Line($"this.{value} = {value};");
        w.Close();
        w.Line();
        w.Line("/// <summary>The prepared steps over these tensors (a parameter's, or a slice of a group's flat buffers).</summary>");
        w.Open($"public void Run({string.Join(", ", TensorSpans(m))})");
        w.Line("using var __scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line("using var __noGrad = global::TorchSharp.torch.no_grad();");
        foreach (var step in steps) WriteTensorOps(w, step);
        w.Close();
        w.Close();
        w.Line();
        w.Open($"private void TensorKernel({TensorParameters(m)})");
        w.Line($"var __k = {TensorKernelField} ??= new();");
        w.Line($"__k.Prepare({ForwardedState(m)});");
        w.Line($"__k.Run({string.Join(", ", SpanNames(m))});");
        w.Close();
        w.Line();
    }

    private static void WriteTensorOps(IndentedWriter w, KernelStep step)
    {
        if (step.LoopTensor.Count == 0) return;
        w.Open($"// {step.Name}");
        foreach (var e in step.Elements) w.Line($"var {e.Name} = {Span(e.Name)};");
        foreach (var line in step.LoopTensor) w.Line(line);
        w.Close();
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
}
