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
            WriteKernel(m, w, "float");
            WriteKernel(m, w, "double");
            if (HasTensorPath(m)) WriteTensorKernel(m, w);
        });

    private static void WriteState(OptimizerModel m, IndentedWriter w)
    {
        w.Line("/// <summary>The hyper-parameters of one param group.</summary>");
        w.Open("public struct Hypers");
        foreach (var h in m.Hypers) w.Line($"public double {h.Property};");
        w.Close();
        w.Line();
        w.Line("private readonly Hypers[] _hypers;");
        foreach (var s in m.PerTensorStates) w.Line($"private readonly int[] _{s};");
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
        foreach (var s in m.PerTensorStates) w.Line($"_{s} = new int[parameters.Count];");
        w.Close();
        w.Line();
        w.Line($"/// <summary>fastai's opt_func: {m.ClassName} with its defaults at learning rate <paramref name=\"lr\"/>.</summary>");
        w.Line($"public static global::Gen.Optimizer Create({ParameterList} parameters, double lr) => new {m.ClassName}(parameters, lr: lr);");
        w.Line();
    }

    private static void WriteHyperAccess(OptimizerModel m, IndentedWriter w)
    {
        var known = string.Join(", ", m.Hypers.Select(h => h.SnakeName));
        w.Line("/// <inheritdoc/>");
        w.Open("public override void SetHyper(string name, int group, double value)");
        w.Open("switch (name)");
        foreach (var h in m.Hypers) w.Line($"{Cases(h)} _hypers[group].{h.Property} = value; return;");
        w.Line($"default: throw UnknownHyper(name, \"{known}\");");
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open("public override double GetHyper(string name, int group = 0)");
        w.Open("switch (name)");
        foreach (var h in m.Hypers) w.Line($"{Cases(h)} return _hypers[group].{h.Property};");
        w.Line($"default: throw UnknownHyper(name, \"{known}\");");
        w.Close();
        w.Close();
        w.Line();
        w.Line($"private static readonly string[] __hyperNames = {{ {string.Join(", ", m.Hypers.Select(h => $"\"{h.SnakeName}\""))} }};");
        w.Line($"private static readonly string[] __elementStateNames = {{ {string.Join(", ", m.ElementStates.Select(e => $"\"{HyperModel.FastaiName(e)}\""))} }};");
        w.Line($"private static readonly string[] __counterNames = {{ {string.Join(", ", m.PerTensorStates.Select(e => $"\"{HyperModel.FastaiName(e)}\""))} }};");
        w.Line("/// <inheritdoc/>");
        w.Line("protected override global::System.Collections.Generic.IReadOnlyList<string> HyperNames => __hyperNames;");
        w.Line("/// <inheritdoc/>");
        w.Line("protected override global::System.Collections.Generic.IReadOnlyList<string> ElementStateNames => __elementStateNames;");
        w.Line("/// <inheritdoc/>");
        w.Line("protected override global::System.Collections.Generic.IReadOnlyList<string> CounterNames => __counterNames;");
        w.Line("/// <inheritdoc/>");
        w.Line($"protected override int[] Counters(int index) => index switch {{ {string.Concat(m.PerTensorStates.Select((c, k) => $"{k} => _{c}, "))}_ => throw new global::System.ArgumentOutOfRangeException(nameof(index)) }};");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open("public override void ClearState()");
        w.Line("base.ClearState();");
        foreach (var s in m.PerTensorStates) w.Line($"global::System.Array.Clear(_{s});");
        w.Close();
        w.Line();
    }

    private static string Cases(HyperModel h) => h.SnakeName == h.Name ? $"case \"{h.Name}\":" : $"case \"{h.SnakeName}\": case \"{h.Name}\":";

    private static void WriteStep(OptimizerModel m, IndentedWriter w)
    {
        w.Line("/// <summary>One step of every parameter that has a gradient (fastai skips the others), one fused pass over memory each.</summary>");
        w.Open("public override void Step()");
        w.Open("for (int i = 0; i < Parameters.Count; i++)");
        w.Line("var param = Parameters[i];");
        w.Line("using var grad = param.grad;");
        w.Line("if (grad is null) continue;");
        w.Line("ref readonly Hypers hypers = ref _hypers[GroupOf[i]];");
        w.Open("if (UseTensorPath || param.device_type != global::TorchSharp.DeviceType.CPU)");
        w.Line(HasTensorPath(m)
            ? $"TensorKernel({string.Join(", ", new[] { "param", "grad" }.Concat(m.ElementStates.Select((_, k) => $"ElementState(i, {k})")).Concat(m.PerTensorStates.Select(s => $"ref _{s}[i]")).Append("in hypers"))});"
            : $"throw NoTensorPath(\"{m.Steps.First(s => !s.HasTensorForm).Name}\");");
        w.Line("continue;");
        w.Close();
        w.Open("switch (param.dtype)");
        foreach (var (type, scalar) in new[] { ("float", "Float32"), ("double", "Float64") })
            w.Line($"case global::TorchSharp.torch.ScalarType.{scalar}: Kernel({KernelArguments(m, type)}); break;");
        w.Line("default: throw UnsupportedDType(param);");
        w.Close();
        w.Close();
        w.Close();
        w.Line();
    }

    private static string KernelArguments(OptimizerModel m, string type)
    {
        var spans = new List<string> { $"Elements<{type}>(param)", $"Elements<{type}>(grad)" };
        spans.AddRange(m.ElementStates.Select((_, k) => $"Elements<{type}>(ElementState(i, {k}))"));
        spans.AddRange(m.PerTensorStates.Select(s => $"ref _{s}[i]"));
        spans.Add("in hypers");
        return string.Join(", ", spans);
    }

    private static void WriteKernel(OptimizerModel m, IndentedWriter w, string type)
    {
        bool isFloat = type == "float";
        var parameters = new List<string> { $"global::System.Span<{type}> __p", $"global::System.Span<{type}> __grad" };
        parameters.AddRange(m.ElementStates.Select(s => $"global::System.Span<{type}> __{s}"));
        parameters.AddRange(m.PerTensorStates.Select(s => $"ref int {s}"));
        parameters.Add("in Hypers __h");
        w.Open($"private static void Kernel({string.Join(", ", parameters)})");
        // Per tensor, in double (fastai's hyper arithmetic is in Python floats); the loop sees hoisted values in the element type.
        foreach (var h in m.Hypers) w.Line($"double {h.Name} = __h.{h.Property};");
        foreach (var step in m.Steps)
            foreach (var line in step.PreLoop) w.Line(line.Replace(KernelStep.ElementType, type));

        // Whole vectors first when every step has a vector form, then the remaining elements one by one.
        var start = "0";
        if (m.Steps.All(s => s.Vectorizable))
        {
            var vector = $"global::System.Numerics.Vector<{type}>";
            foreach (var span in SpanNames(m))
                w.Line($"var {span}v = global::System.Runtime.InteropServices.MemoryMarshal.Cast<{type}, {vector}>({span});");
            foreach (var hoisted in m.Steps.SelectMany(s => s.HoistedNumbers))
                w.Line($"var {VectorRewriter.Broadcast(hoisted)} = new {vector}({hoisted});");
            WriteLoop(w, m, "__pv.Length", vector, "v",
                step => step.LoopVector.Select(l => l.Replace(VectorRewriter.VectorType, vector).Replace(KernelStep.ElementType, type)));
            start = $"__pv.Length * {vector}.Count";
        }
        WriteLoop(w, m, "__p.Length", type, "", step => isFloat ? step.LoopFloat : step.LoopDouble, start);
        w.Close();
        w.Line();
    }

    private static bool HasTensorPath(OptimizerModel m) => m.Steps.All(s => s.HasTensorForm);

    /// <summary>The tensor path: the same steps as in-place TorchSharp ops on whole tensors, for any device.</summary>
    private static void WriteTensorKernel(OptimizerModel m, IndentedWriter w)
    {
        const string tensor = "global::TorchSharp.torch.Tensor";
        var parameters = new[] { "p", "grad" }.Concat(m.ElementStates).Select(e => $"{tensor} {Span(e)}")
            .Concat(m.PerTensorStates.Select(s => $"ref int {s}")).Append("in Hypers __h");
        w.Open($"private static void TensorKernel({string.Join(", ", parameters)})");
        foreach (var h in m.Hypers) w.Line($"double {h.Name} = __h.{h.Property};");
        foreach (var step in m.Steps)
            foreach (var line in step.PreLoop) w.Line(line.Replace(KernelStep.ElementType, "double"));
        w.Line("using var __scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line("using var __noGrad = global::TorchSharp.torch.no_grad();");
        foreach (var step in m.Steps.Where(s => s.LoopTensor.Count > 0))
        {
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

    /// <summary>One element loop: each step's statements in a block binding the elements it names.</summary>
    private static void WriteLoop(IndentedWriter w, OptimizerModel m, string length, string elementType, string spanSuffix,
                                  System.Func<KernelStep, IEnumerable<string>> lines, string start = "0")
    {
        w.Open($"for (int __j = {start}; __j < {length}; __j++)");
        foreach (var step in m.Steps)
        {
            var loop = lines(step).ToList();
            if (loop.Count == 0) continue;
            w.Open($"// {step.Name}");
            foreach (var e in step.Elements)
                w.Line(e.IsRef ? $"ref {elementType} {e.Name} = ref {Span(e.Name)}{spanSuffix}[__j];" : $"{elementType} {e.Name} = {Span(e.Name)}{spanSuffix}[__j];");
            foreach (var line in loop) w.Line(line);
            w.Close();
        }
        w.Close();
    }

    private static string Span(string element) => "__" + element;

    private static string Number(double d) => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
