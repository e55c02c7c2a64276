using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Gen.Generators.Tests;

/// <summary>
/// The step compiler's split of a step into per-tensor and per-element code: statements on hypers and per-tensor
/// state alone run before the loop, and in the others every maximal sub-expression on them (literals aside) is
/// hoisted into a local computed once, in double; what reads an element stays in the loop. Read from the
/// generated float kernel (Kernel0Float's Prepare and Loop0).
/// </summary>
public class HoistingTests
{
    /// <summary>A kernel's per-tensor code and its loop: hoisted values by name (as computed, in double), the other
    /// statements before the loop (hyper locals aside), and the steps' statements in the scalar loop.</summary>
    private sealed record Split(IReadOnlyDictionary<string, string> Hoisted, IReadOnlyList<string> PreLoop, IReadOnlyList<string> Loop)
    {
        public IEnumerable<string> HoistedExpressions => Hoisted.Values;
    }

    private static readonly Regex HoistedName = new(@"^__s\d+_h\d+$");
    private static readonly Regex ElementLocal = new(@"__\w+_j\b");

    private static Split Compile(string steps, string entries, string hypers = "")
    {
        var result = GeneratorHarness.Run($$"""
            using System;
            using Gen;
            namespace Demo;
            public static class S
            {
            {{steps}}
            }
            [Optimizer(typeof(S), {{entries}})]
            {{hypers}}
            public sealed partial class Opt;
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
        var root = CSharpSyntaxTree.ParseText(result.Generated["Demo.Opt.g.cs"]).GetRoot();
        var prepare = root.DescendantNodes().OfType<ClassDeclarationSyntax>().Single(c => c.Identifier.Text == "Kernel0Float")
            .Members.OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "Prepare");
        var hoisted = new Dictionary<string, string>();
        var preLoop = new List<string>();
        // The per-tensor code, up to the copies of the hoisted values into the kernel's fields (this.__s0_h0 = __s0_h0;).
        foreach (var statement in prepare.Body!.Statements.TakeWhile(s => !s.ToString().StartsWith("this.", System.StringComparison.Ordinal)))
        {
            var declarator = (statement as LocalDeclarationStatementSyntax)?.Declaration.Variables.Single();
            if (declarator?.Initializer?.Value is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.Text: "__h" } }) continue;
            if (declarator is not null && HoistedName.IsMatch(declarator.Identifier.Text))
            {
                var value = declarator.Initializer!.Value;
                // Numbers are written (float)(expression), conditions as they are.
                hoisted[declarator.Identifier.Text] = value is CastExpressionSyntax { Expression: ParenthesizedExpressionSyntax inner } ? inner.Expression.ToString() : value.ToString();
                continue;
            }
            preLoop.Add(OneLine(statement.ToString()));
        }

        var loop = root.DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Single(m => m.Identifier.Text == "Loop0" && m.ParameterList.Parameters[0].Type!.ToString() == "global::System.Span<float>").Body!.Statements.OfType<ForStatementSyntax>().Last();
        var statements = ((BlockSyntax)loop.Statement).Statements.OfType<BlockSyntax>().SelectMany(b => b.Statements)
            .Select(s => OneLine(s.ToString())).Where(s => !ElementLocal.IsMatch(s)).ToList();
        return new Split(hoisted, preLoop, statements);
    }

    private static string OneLine(string statement) => Regex.Replace(statement, @"\s+", " ");

    [Fact]
    public void A_product_of_hypers_is_hoisted_and_the_update_stays_in_the_loop()
    {
        var split = Compile("[Step] public static void Decay(ref float p, float lr, float wd) => p *= 1 - lr * wd;", "\"Decay\"", "[Hyper(\"wd\", 0.01)]");
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "1 - lr * wd" }, split.Hoisted);
        Assert.Equal(["p *= __s0_h0;"], split.Loop);
        Assert.Empty(split.PreLoop);
    }

    [Fact]
    public void A_squared_gradient_stays_in_the_loop_and_the_hypers_around_it_leave()
    {
        var split = Compile(
            "[Step] public static void AverageSqr(ref float sqrAvg, float grad, float sqrMom) => sqrAvg = sqrAvg * sqrMom + (1 - sqrMom) * (grad * grad);",
            "\"AverageSqr\"", "[Hyper(\"sqrMom\", 0.99)]");
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "sqrMom", ["__s0_h1"] = "(1 - sqrMom)" }, split.Hoisted);
        Assert.Equal(["sqrAvg = sqrAvg * __s0_h0 + __s0_h1 * (grad * grad);"], split.Loop);
        Assert.DoesNotContain(split.HoistedExpressions, e => e.Contains("grad"));
    }

    [Fact]
    public void Literals_stay_in_the_loop()
    {
        var split = Compile("[Step] public static void Twice(ref float p, float grad, float lr) => p -= lr * (2 * grad) + 0.5f * grad;", "\"Twice\"");
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "lr" }, split.Hoisted);
        Assert.Equal(["p -= __s0_h0 * (2 * grad) + 0.5f * grad;"], split.Loop);
    }

    [Fact]
    public void The_largest_invariant_subexpression_is_hoisted_whole()
    {
        var split = Compile("[Step] public static void Damped(ref float p, float grad, float lr, float mom) => p -= lr / (1 - mom) * grad;", "\"Damped\"",
                            "[Hyper(\"mom\", 0.9)]");
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "lr / (1 - mom)" }, split.Hoisted);
        Assert.Equal(["p -= __s0_h0 * grad;"], split.Loop);
    }

    [Fact]
    public void Hoisting_follows_the_syntax_tree_not_algebra()
    {
        // lr * grad / (1 - mom) is (lr * grad) / (1 - mom): no sub-expression holds lr and mom without grad.
        var split = Compile("[Step] public static void Damped(ref float p, float grad, float lr, float mom) => p -= lr * grad / (1 - mom);", "\"Damped\"",
                            "[Hyper(\"mom\", 0.9)]");
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "lr", ["__s0_h1"] = "(1 - mom)" }, split.Hoisted);
        Assert.Equal(["p -= __s0_h0 * grad / __s0_h1;"], split.Loop);
    }

    [Fact]
    public void Math_on_hypers_is_hoisted_in_double_and_math_on_elements_stays()
    {
        var split = Compile(
            "[Step] public static void Rms(ref float p, float grad, ref float sqrAvg, float lr, float eps) => p -= MathF.Sqrt(lr) * grad / (MathF.Sqrt(sqrAvg) + eps * 0.5f);",
            "\"Rms\"", "[Hyper(\"eps\", 1e-8)]");
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "global::System.Math.Sqrt(lr)", ["__s0_h1"] = "eps * 0.5d" }, split.Hoisted);
        Assert.Equal(["p -= __s0_h0 * grad / (global::System.MathF.Sqrt(sqrAvg) + __s0_h1);"], split.Loop);
    }

    [Fact]
    public void Statements_on_hypers_and_per_tensor_state_run_once_before_the_loop()
    {
        var split = Compile("""
            [Step] public static void Count([PerTensor] ref int step) => step++;
            [Step]
            public static void Debiased(ref float p, float grad, float lr, float mom, [PerTensor] int step)
            {
                var bc = 1 - MathF.Pow(mom, step);
                float g = grad / bc;
                p -= lr * g;
            }
            """, "\"Count\", \"Debiased\"", "[Hyper(\"mom\", 0.9)]");
        // Locals take their step's prefix; the invariant one is computed in double before the loop.
        Assert.Equal(["step++;", "var s1_bc = 1 - global::System.Math.Pow(mom, step);"], split.PreLoop);
        Assert.Equal(new Dictionary<string, string> { ["__s1_h0"] = "s1_bc", ["__s1_h1"] = "lr" }, split.Hoisted);
        Assert.Equal(["float s1_g = grad / __s1_h0;", "p -= __s1_h1 * s1_g;"], split.Loop);
    }

    [Fact]
    public void A_condition_on_hypers_and_per_tensor_state_is_hoisted_as_a_bool()
    {
        var split = Compile(
            "[Step] public static void Decay(ref float p, float lr, float wd, [PerTensor] int noWd) { if (noWd == 0 && wd != 0) p *= 1 - lr * wd; }",
            "\"Decay\"", "[Hyper(\"wd\", 0.01)]");
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "noWd == 0 && wd != 0", ["__s0_h1"] = "1 - lr * wd" }, split.Hoisted);
        Assert.Equal(["if (__s0_h0) p *= __s0_h1;"], split.Loop);
    }

    [Fact]
    public void A_condition_on_an_element_stays_in_the_loop()
    {
        var split = Compile("[Step] public static void Sign(ref float p, float grad, float lr) => p -= grad > 0 ? lr : -lr;", "\"Sign\"");
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "lr", ["__s0_h1"] = "-lr" }, split.Hoisted);
        Assert.Equal(["p -= grad > 0 ? __s0_h0 : __s0_h1;"], split.Loop);
    }

    [Fact]
    public void The_loop_reads_no_hyper_or_per_tensor_state()
    {
        var split = Compile("""
            [Step] public static void Average(ref float gradAvg, float grad, float mom, [Option] bool dampening = true) => gradAvg = gradAvg * mom + (dampening ? 1 - mom : 1) * grad;
            [Step] public static void Descend(ref float p, float gradAvg, float lr, [PerTensor] int step) => p -= lr * step * gradAvg;
            """, "\"Average\", \"Descend\"", "[Hyper(\"mom\", 0.9)]");
        // The option is a literal, so the whole conditional is hoisted; each step's values take its prefix.
        Assert.Equal(new Dictionary<string, string> { ["__s0_h0"] = "mom", ["__s0_h1"] = "((true) ? 1 - mom : 1)", ["__s1_h0"] = "lr * step" }, split.Hoisted);
        Assert.Equal(["gradAvg = gradAvg * __s0_h0 + __s0_h1 * grad;", "p -= __s1_h0 * gradAvg;"], split.Loop);
        var names = split.Loop.SelectMany(s => Regex.Matches(s, @"\b[A-Za-z_]\w*\b").Select(m => m.Value)).ToHashSet();
        Assert.Empty(names.Intersect(["lr", "mom", "step", "dampening"]));
    }
}
