extern alias generator;
using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;
using GeneratorGuard = generator::Gen.Generators.Common.GeneratorGuard;

namespace Gen.Generators.Tests;

/// <summary>
/// Inputs that used to crash the generator (which dropped every class's output, as warning CS8785) are GEN errors on
/// the user's line, and the other classes still generate; an unexpected exception is one GEN9999 error.
/// </summary>
public class TotalityTests
{
    private const string Steps = """
        using Gen;
        public class MySteps
        {
            [Step] public static void Decay(ref float p, float lr, float wd) => p *= 1 - lr * wd;
            [Step] public static void Average(ref float gradAvg, float grad, float mom, [Option] bool dampening) => gradAvg = gradAvg * mom + (dampening ? 1 - mom : 1) * grad;
            [Step] public static void Descend(ref float p, float gradAvg, float lr) => p -= lr * gradAvg;
        }
        [Optimizer(typeof(MySteps), "Decay")] [Hyper("wd", 0.01)] public sealed partial class Healthy;
        """;

    private static string Spanned(Diagnostic d, string source) => source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);

    private static void AssertNoCrash(GeneratorHarness.Result result)
    {
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "GEN9999");
        Assert.True(result.Generated.ContainsKey("Healthy.g.cs"),   // another optimizer in the project still generates
            string.Join(", ", result.Generated.Keys) + " | " + string.Join(", ", result.GeneratorDiagnostics.Select(d => d.ToString())));
    }

    [Fact]
    public void GEN0016_a_hyper_given_twice_is_an_error_on_the_second_attribute()
    {
        const string optimizer = """
            using Gen;
            [Optimizer(typeof(MySteps), "Decay")] [Hyper("wd", 0.1), Hyper("wd", 0.2)] public sealed partial class Twice;
            """;
        var result = GeneratorHarness.Run(Steps, optimizer);
        AssertNoCrash(result);
        var d = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "GEN0016");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("'Twice' gives hyper-parameter 'wd' a default more than once; keep one [Hyper(\"wd\", value)]", d.GetMessage());
        Assert.Equal("Hyper(\"wd\", 0.2)", Spanned(d, optimizer));
        Assert.DoesNotContain("Twice.g.cs", result.Generated.Keys);
    }

    [Theory]
    [InlineData("(dampening?) - mom")]   // found by MutationTests: an option's name where a type goes (a cast to dampening?)
    [InlineData("(Scale) - mom")]        // a constant's name there
    [InlineData("(Helper?) - mom")]      // a name the helper inlining would replace
    public void A_step_name_in_a_type_position_is_not_replaced_by_a_value(string expression)
    {
        string steps = $$"""
            using Gen;
            public class TypedSteps
            {
                public const float Scale = 2;
                public static float Helper(float mom) => mom;
                [Step] public static void Odd(ref float gradAvg, float grad, float mom, [Option] bool dampening) => gradAvg = gradAvg * mom + ({{expression}}) * grad + Helper(mom);
            }
            [Optimizer(typeof(TypedSteps), "Odd(dampening: true)")] [Hyper("mom", 0.9)] public sealed partial class Typed;
            """;
        AssertNoCrash(GeneratorHarness.Run(Steps, steps));
    }

    [Fact]
    public void GEN0015_an_option_given_twice_is_an_error()
    {
        const string optimizer = """
            using Gen;
            [Optimizer(typeof(MySteps), "Average(dampening: true, dampening: false)", "Descend")] [Hyper("mom", 0.9)] public sealed partial class Twice;
            """;
        var result = GeneratorHarness.Run(Steps, optimizer);
        AssertNoCrash(result);
        var d = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "GEN0015");
        Assert.Equal("Step 'Average': option 'dampening' is given twice; give it once", d.GetMessage());
        Assert.StartsWith("Optimizer(typeof(MySteps)", Spanned(d, optimizer));
    }

    [Fact]
    public void GEN0017_an_event_value_outside_the_enum_is_an_error_on_the_attribute()
    {
        const string callbacks = """
            using Gen;
            public sealed partial class Odd : Callback { [Event((Event)99)] void AfterBatchy() { } }
            public sealed partial class Fine : Callback { [Event] void AfterBatch() { } }
            """;
        var result = GeneratorHarness.Run(Steps, callbacks);
        AssertNoCrash(result);
        var d = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "GEN0017");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("[Event] on 'AfterBatchy' names event value 99, which is not one of fastai's events; name one, e.g. [Event(Event.AfterBatch)], or name the method after it", d.GetMessage());
        Assert.Equal("Event((Event)99)", Spanned(d, callbacks));
        Assert.Contains("Fine.g.cs", result.Generated.Keys);
    }

    [Fact]
    public void An_unexpected_exception_becomes_one_GEN9999_naming_the_class()
    {
        var failure = GeneratorGuard.Run<string>(() => throw new InvalidOperationException("Sequence contains no elements\nat ..."), "MyOpt", null, f => f.ToDiagnostic().GetMessage());
        Assert.Equal("Gen's generator failed on 'MyOpt' (InvalidOperationException: Sequence contains no elements); the other classes were generated. Please report this with the code of 'MyOpt'.", failure);
        Assert.Throws<OperationCanceledException>(() => GeneratorGuard.Run<string>(() => throw new OperationCanceledException(), "MyOpt", null, _ => ""));
    }
}
