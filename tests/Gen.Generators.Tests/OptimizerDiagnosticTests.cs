using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Gen.Generators.Tests;

/// <summary>The optimizer compiler's diagnostics: ID, error severity, message and location.</summary>
public class OptimizerDiagnosticTests
{
    private const string Steps = """
        using System;
        using Gen;
        public class MySteps
        {
            [Step] public static void Decay(ref float p, float lr, float wd) => p *= 1 - lr * wd;
            [Step] public static void Average(ref float gradAvg, float grad, float mom, [Option] bool dampening) => gradAvg = gradAvg * mom + (dampening ? 1 - mom : 1) * grad;
            [Step] public static void Descend(ref float p, float gradAvg, float lr) => p -= lr * gradAvg;
            [Step] public static void Count([PerTensor] ref int step) => step++;
            [Step] public static void MomAsCount([PerTensor] int mom) { }
            [Step] public static void Early(ref float p) { if (p > 0) return; p = 0; }
            [Step] public static void Wide(ref double p) { }
            [Step] public void Instance(ref float p) { }
        }
        """;

    private static Diagnostic Single(string optimizer, string id)
    {
        var result = GeneratorHarness.Run(Steps, optimizer);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        return diagnostic;
    }

    private static string At(Diagnostic d, string optimizer) =>
        d.Location.GetLineSpan().Path == "File1.cs" ? optimizer.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length) : Steps.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);

    [Fact]
    public void A_valid_optimizer_compiles_without_diagnostics()
    {
        var result = GeneratorHarness.Run(Steps, """
            using Gen;
            [Optimizer(typeof(MySteps), "Decay", "Average(dampening: true)", "Descend", "Count")]
            [Hyper("wd", 0.01), Hyper("mom", 0.9)]
            public sealed partial class MyOpt;
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
    }

    [Fact]
    public void GEN0011_a_hyper_without_default_names_the_hyper_and_the_step()
    {
        const string optimizer = """
            using Gen;
            [Optimizer(typeof(MySteps), "Decay")] public sealed partial class MyOpt;
            """;
        var d = Single(optimizer, "GEN0011");
        Assert.Equal("'MyOpt' needs hyper-parameter 'wd' (step 'Decay') but gives it no default; add [Hyper(\"wd\", value)]", d.GetMessage());
        Assert.Equal("Optimizer(typeof(MySteps), \"Decay\")", At(d, optimizer));
    }

    [Fact]
    public void GEN0012_one_name_bound_to_two_roles()
    {
        var d = Single("""
            using Gen;
            [Optimizer(typeof(MySteps), "Average(dampening: true)", "MomAsCount")] [Hyper("mom", 0.9)] public sealed partial class MyOpt;
            """, "GEN0012");
        Assert.Equal("'mom' is hyper (float) in step 'Average' but pertensor (int) in step 'MomAsCount'; use one type and role for a name, or rename one", d.GetMessage());
    }

    [Theory]
    [InlineData("Early", "returns early; write it without return statements (it is inlined into a loop)")]
    [InlineData("Wide", "has parameter 'p' of type double; elements and hypers are float (the kernel is generated for float and double)")]
    [InlineData("Instance", "is not static")]
    public void GEN0013_unsupported_step_says_why_on_the_step(string step, string reason)
    {
        var d = Single($$"""
            using Gen;
            [Optimizer(typeof(MySteps), "{{step}}")] public sealed partial class MyOpt;
            """, "GEN0013");
        Assert.Equal($"Step '{step}' {reason}", d.GetMessage());
        Assert.Equal(step, At(d, ""));
    }

    [Fact]
    public void GEN0014_unknown_step_suggests_the_nearest()
    {
        var d = Single("""
            using Gen;
            [Optimizer(typeof(MySteps), "Decya")] public sealed partial class MyOpt;
            """, "GEN0014");
        Assert.Equal("'MySteps' has no [Step] method for 'Decya'; did you mean 'Decay'?", d.GetMessage());
    }

    [Fact]
    public void GEN0014_suggests_nothing_when_no_step_is_close()
    {
        var d = Single("""
            using Gen;
            [Optimizer(typeof(MySteps), "Lookahead")] public sealed partial class MyOpt;
            """, "GEN0014");
        Assert.Equal("'MySteps' has no [Step] method for 'Lookahead'", d.GetMessage());
    }

    [Theory]
    [InlineData("Average", "option 'dampening' needs a value: Average(dampening: ...)")]
    [InlineData("Average(true)", "options are given by name: Average(dampening: ...)")]
    [InlineData("Decay(true)", "it has no options; write the entry as its name alone")]
    [InlineData("Average(dampening: true, nesterov: true)", "it has no option 'nesterov'")]
    public void GEN0015_bad_options(string entry, string message)
    {
        var d = Single($$"""
            using Gen;
            [Optimizer(typeof(MySteps), "{{entry}}")] [Hyper("mom", 0.9)] public sealed partial class MyOpt;
            """, "GEN0015");
        Assert.Equal($"Step '{entry.Split('(')[0]}': {message}", d.GetMessage());
    }

    [Fact]
    public void A_hyper_defaulting_to_infinity_or_nan_compiles()
    {
        var result = GeneratorHarness.Run(Steps, """
            using Gen;
            [Optimizer(typeof(MySteps), "Decay")] [Hyper("wd", double.PositiveInfinity)] public sealed partial class InfOpt;
            [Optimizer(typeof(MySteps), "Decay")] [Hyper("wd", double.NaN)] public sealed partial class NanOpt;
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
    }

    [Fact]
    public void Generated_optimizer_snapshot()
    {
        var result = GeneratorHarness.Run(Steps, """
            using Gen;
            namespace Demo;
            [Optimizer(typeof(MySteps), "Decay", "Average(dampening: true)", "Descend", "Count")]
            [Hyper("wd", 0.01), Hyper("mom", 0.9)]
            public sealed partial class MyOpt;
            """);
        Assert.Empty(result.CompileErrors);
        Snapshot.Verify(result.Generated["Demo.MyOpt.g.cs"], "MyOpt");
    }
}
