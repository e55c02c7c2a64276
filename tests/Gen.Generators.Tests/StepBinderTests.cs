using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Gen.Generators.Tests;

/// <summary>
/// The semantic step compiler: names keep their meaning in generated code, and each construct a fused kernel cannot
/// take is one GEN0018 at its node ([| |] marks the expected span).
/// </summary>
public class StepBinderTests
{
    private static (GeneratorHarness.Result Result, string Source) Run(string steps, string entry = "Step")
    {
        var source = $$"""
            using System;
            using Gen;
            public class Values { public const float Third = 1f / 3; public static float Shared = 2f; public float Instance = 1f; }
            public class S
            {
            {{steps}}
            }
            [Optimizer(typeof(S), "{{entry}}")] public sealed partial class MyOpt;
            """;
        return (GeneratorHarness.Run(source.Replace("[|", "").Replace("|]", "")), source);
    }

    private static void AssertUnsupported(string steps, string message)
    {
        var (result, marked) = Run(steps);
        int start = marked.IndexOf("[|"), end = marked.IndexOf("|]") - 2;
        var d = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("GEN0018", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal((start, end), (d.Location.SourceSpan.Start, d.Location.SourceSpan.End));
        Assert.Equal($"Step 'Step' {message}", d.GetMessage());
        Assert.DoesNotContain("MyOpt.g.cs", result.Generated.Keys);
    }

    [Fact]
    public void Constants_statics_and_helpers_of_any_class_compile_without_errors()
    {
        var (result, _) = Run("""
                const float Half = 0.5f;
                internal static readonly float Scale = 3f;
                static float Clip(float x) => MathF.Max(-1f, MathF.Min(1f, x));
                static float Scaled(float x) { return x * Values.Shared; }
                [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * Half * Values.Third * Clip(Scaled(grad) * Scale);
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
        var generated = result.Generated["MyOpt.g.cs"];
        Assert.Contains("(global::S.Scale)", generated);      // read once per tensor, before the loop
        Assert.Contains("(global::Values.Shared)", generated);
        Assert.DoesNotContain("Clip(", generated);            // inlined
    }

    [Theory]
    [InlineData("[Step] public static void Step(ref float p, float grad) => p = MathF.Max(p * grad, float.NegativeInfinity);")]   // infinite constants
    [InlineData("static float F(float x, float y) => MathF.Max(x: y, y: x); [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * F(grad, p);")]   // argument labels
    [InlineData("internal static int N = 3; internal static bool Flip = true; [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * (N / 2) * (Flip ? grad : -grad);")]
    [InlineData("static float Inv(float x) => 1 / x; static double Sq(double x) => x * x; [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * Inv(2) * (float)Sq(grad);")]
    // Names the generated code also uses: a step local named like a hoisted value (h0, h0_v), elements named like the
    // mixed-precision kernel's buffers and values.
    [InlineData("[Step] public static void Step(ref float p, float grad, float lr) { float h0 = grad * 2; float h0_v = lr * 3; p -= h0 * h0_v * lr; }")]
    [InlineData("[Step] public static void Step(ref float p, ref float gradLow, ref float pLow, ref float unscale, ref float format, float grad, float lr) { gradLow = grad; pLow = p; unscale = 1; format = 2; p -= lr * gradLow; }")]
    [InlineData("[Step] public static void Step(ref float p, float grad, float lr) => p -= lr * System.MathF.Sqrt(grad * grad) * global::System.MathF.Abs(grad);")]   // qualified Math
    public void Steps_that_bind_constants_labels_typed_statics_and_converted_arguments_compile(string steps)
    {
        var (result, _) = Run(steps);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
    }

    [Fact]
    public void A_converted_argument_keeps_the_parameters_type()
    {
        var (result, _) = Run("static float Inv(float x) => 1 / x; [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * Inv(2) * grad;");
        // Hoisted and computed in double as hypers are: 1 / (double)2, not the integer division 1 / 2.
        Assert.Contains("(1 / ((double)(2)))", result.Generated["MyOpt.g.cs"]);
    }

    [Fact]
    public void A_simple_name_from_using_static_is_qualified()
    {
        var result = GeneratorHarness.Run("""
            using Gen;
            using static System.MathF;
            public class S { [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * Sqrt(grad * grad); }
            [Optimizer(typeof(S), "Step")] public sealed partial class MyOpt;
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
    }

    [Fact]
    public void An_argument_with_a_side_effect_is_reported_at_the_argument() => AssertUnsupported(
        "static float Sq(float x) => x * x; [Step] public static void Step(ref float p, ref float s, float grad, float lr) => p -= lr * Sq([|s = s * 0.9f + grad|]);",
        "passes an argument that changes a value to 'Sq', which is inlined and may use it more than once; change the value in a statement before the call");

    [Fact]
    public void A_static_in_a_private_class_is_reported_where_it_is_read() => AssertUnsupported(
        "private static class Inner { internal static float V = 1f; } [Step] public static void Step(ref float p, float lr) => p -= lr * [|Inner.V|];",
        "reads 'V', which the generated optimizer (another class) cannot see: 'Inner' is private; make it internal or public, or const");

    [Fact]
    public void A_write_to_a_static_is_reported_at_the_write() => AssertUnsupported(
        "internal static float Sum; [Step] public static void Step(ref float p, float grad) { [|Sum|] += grad; p -= grad; }",
        "writes the static 'Sum'; a step writes only its ref parameters (state buffers and per-tensor state)");

    [Fact]
    public void A_step_with_constants_helpers_and_statics_compiles_in_an_optimizer_of_another_assembly()
    {
        var library = GeneratorHarness.Compilation("""
            using System;
            using Gen;
            namespace Lib;
            public static class S
            {
                const float Half = 0.5f;
                public static readonly float Scale = 3f;
                static float Soft(float x) => x / (1f + MathF.Abs(x));
                [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * Half * Soft(grad * Scale);
            }
            """);
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(library, out var built, out var libraryDiagnostics);
        Assert.Empty(libraryDiagnostics);
        using var image = new System.IO.MemoryStream();
        Assert.True(built.Emit(image).Success);   // as a DLL, the way another project references it: steps known by their [StepSource]
        var consumer = GeneratorHarness.Compilation("""
            using Gen;
            [Optimizer(typeof(Lib.S), "Step")] public sealed partial class MyOpt;
            """).AddReferences(MetadataReference.CreateFromImage(image.ToArray()));
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(consumer, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains(output.SyntaxTrees, t => t.FilePath.EndsWith("MyOpt.g.cs"));
    }

    [Fact]
    public void A_loop_is_reported_at_the_loop() => AssertUnsupported(
        "[Step] public static void Step(ref float p, float lr) { [|for (int i = 0; i < 2; i++) p -= lr;|] }",
        "has a loop; a step is the body of the kernel's loop over elements: write it for one element");

    [Fact]
    public void An_instance_member_is_reported_where_it_is_read() => AssertUnsupported(
        "internal static readonly Values V = new(); [Step] public static void Step(ref float p, float lr) => p -= lr * [|V.Instance|];",
        "reads the instance member 'Instance'; a step is static: make the value a hyper-parameter, or static");

    [Fact]
    public void A_private_static_value_is_reported_where_it_is_read() => AssertUnsupported(
        "private static float Scale = 2f; [Step] public static void Step(ref float p, float lr) => p -= lr * [|Scale|];",
        "reads 'Scale', which the generated optimizer (another class) cannot see: 'Scale' is private; make it internal or public, or const");

    [Fact]
    public void A_helper_with_statements_is_reported_at_the_call() => AssertUnsupported(
        "static float Clip(float x) { if (x > 1) x = 1; return x; } [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * [|Clip(grad)|];",
        "calls 'Clip', which is not an expression-bodied static helper ('static float Clip(float x) => ...'); the kernel inlines helpers, so write it as one expression");

    [Fact]
    public void A_recursive_helper_is_reported_at_the_call() => AssertUnsupported(
        "static float F(float x) => x > 1 ? [|F(x / 2)|] : x; [Step] public static void Step(ref float p, float grad, float lr) => p -= lr * F(grad);",
        "calls 'F' through more than 8 nested helpers (recursion?); the kernel inlines helpers");

    [Fact]
    public void An_out_argument_is_reported_at_the_argument() => AssertUnsupported(
        "static bool Try(float x, out float y) { y = x; return true; } [Step] public static void Step(ref float p, float lr) { float y; Try(p, [|out y|]); p -= lr * y; }",
        "has an out argument; the kernel has no out locals");

    [Fact]
    public void A_lambda_is_reported_at_the_lambda() => AssertUnsupported(
        "[Step] public static void Step(ref float p, float lr) { Func<float, float> f = [|x => x * lr|]; p -= f(p); }",
        "has a lambda; write it as a static helper (static float F(float x) => ...) beside the step");

    [Fact]
    public void A_final_return_is_not_an_early_one()
    {
        var (result, _) = Run("[Step] public static void Step(ref float p, float lr) { p -= lr; return; }");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
        // It must not end the kernel's loop: the output is the same as without it.
        var (without, _) = Run("[Step] public static void Step(ref float p, float lr) { p -= lr; }");
        Assert.Equal(without.Generated["MyOpt.g.cs"], result.Generated["MyOpt.g.cs"]);
    }

    [Fact]
    public void A_return_inside_a_lambda_is_reported_as_the_lambda() => AssertUnsupported(
        "[Step] public static void Step(ref float p, float lr) { Func<float, float> f = [|x => { return x * lr; }|]; p -= f(p); }",
        "has a lambda; write it as a static helper (static float F(float x) => ...) beside the step");

    [Fact]
    public void A_step_with_no_tensor_form_compiles_without_warnings()
    {
        var compilation = GeneratorHarness.Compilation("""
            using Gen;
            public class S { [Step] public static void Step(ref float p, float grad, float lr) => grad *= lr; }
            [Optimizer(typeof(S), "Step")] public sealed partial class MyOpt;
            """);
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var generatedTree = output.SyntaxTrees.Single(t => t.FilePath.EndsWith("MyOpt.g.cs"));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Location.SourceTree == generatedTree && d.Severity >= DiagnosticSeverity.Warning));
    }
}
