extern alias generator;
using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using CallbackGenerator = generator::Gen.Generators.CallbackGenerator;
using OptimizerGenerator = generator::Gen.Generators.OptimizerGenerator;
using TrackingNames = generator::Gen.Generators.CallbackGenerator.TrackingNames;

namespace Gen.Generators.Tests;

/// <summary>The generators' caching: what an edit re-runs, and that models hold nothing that pins a compilation.</summary>
public class IncrementalityTests
{
    private const string Callbacks = """
        using Gen;
        [RunBefore(typeof(B))] public sealed partial class A : Callback { [Event] void AfterBatch() { } }
        public sealed partial class B : Callback { [Event] void BeforeFit(Learner learn) { } }
        [Pipeline(typeof(A), typeof(B))] public sealed partial class Loop;
        public static class S { [Step] public static void Descend(ref float p, float grad, float lr) => p -= lr * grad; }
        [Optimizer(typeof(S), "Descend")] public sealed partial class Plain;
        """;

    private const string Unrelated = "public static class Helpers { public static int Twice(int x) => 2 * x; }";

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.Compilation(Callbacks, Unrelated);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);

        var unrelatedTree = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(unrelatedTree,
            CSharpSyntaxTree.ParseText(Unrelated.Replace("2 * x", "x + x"), GeneratorHarness.ParseOptions, path: unrelatedTree.FilePath));
        var results = driver.RunGenerators(edited).GetRunResult().Results;
        var result = results.Single(r => r.Generator.GetGeneratorType() == typeof(CallbackGenerator));
        var optimizerResult = results.Single(r => r.Generator.GetGeneratorType() == typeof(OptimizerGenerator));

        var optimizerOutputs = optimizerResult.TrackedSteps[OptimizerGenerator.OptimizerParses].SelectMany(step => step.Outputs).ToList();
        Assert.NotEmpty(optimizerOutputs);
        Assert.All(optimizerOutputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"optimizer: {o.Reason}"));
        foreach (var name in new[] { TrackingNames.CallbackParses, TrackingNames.LoopStepCallbackParses, TrackingNames.Callbacks, TrackingNames.OrderingDiagnostics, TrackingNames.PipelineParses })
        {
            var outputs = result.TrackedSteps[name].SelectMany(step => step.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {o.Reason}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Editing_one_callback_regenerates_only_that_callback()
    {
        var compilation = GeneratorHarness.Compilation(Callbacks);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(Callbacks.Replace("void BeforeFit(Learner learn)", "void BeforeFit()"), GeneratorHarness.ParseOptions, path: tree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(CallbackGenerator));

        var reasons = result.TrackedSteps[TrackingNames.Callbacks].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.Contains(IncrementalStepRunReason.Unchanged, reasons);
    }

    private static (GeneratorRunResult Callbacks, GeneratorRunResult Optimizers) RunEdited(string before, string after)
    {
        var compilation = GeneratorHarness.Compilation(before);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(after, GeneratorHarness.ParseOptions, path: tree.FilePath));
        var results = driver.RunGenerators(edited).GetRunResult().Results;
        return (results.Single(r => r.Generator.GetGeneratorType() == typeof(CallbackGenerator)),
                results.Single(r => r.Generator.GetGeneratorType() == typeof(OptimizerGenerator)));
    }

    private static void AssertAllOutputsCached(GeneratorRunResult result, string generator)
    {
        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.True(o.Reason == IncrementalStepRunReason.Cached, $"{generator}: {o.Reason}"));
    }

    [Theory]
    [InlineData("\n\n// the batch counter\n[RunBefore(typeof(B))]", "[RunBefore(typeof(B))]")]        // above a callback
    [InlineData("p -= lr * /* the step */ grad; // descend\n", "p -= lr * grad;")]                     // inside a step
    [InlineData("\n\n[Optimizer(typeof(S), \"Descend\")]", "[Optimizer(typeof(S), \"Descend\")]")]   // above an optimizer
    public void A_comment_or_blank_line_leaves_every_generated_source_cached(string edited, string original)
    {
        Assert.Contains(original, Commented);
        var (callbacks, optimizers) = RunEdited(Commented, Commented.Replace(original, edited));
        AssertAllOutputsCached(callbacks, "callbacks");
        AssertAllOutputsCached(optimizers, "optimizers");
    }

    private const string Commented = """
        using Gen;
        [RunBefore(typeof(B))] public sealed partial class A : Callback { [Event] void AfterBatch() { } }
        public sealed partial class B : Callback { [Event] void BeforeFit(Learner learn) { } }
        public static class S
        {
            [Step] public static void Descend(ref float p, float grad, float lr) { p -= lr * grad; }
            [Step] public static void Decay(ref float p, float lr, float wd) => p *= 1 - lr * wd;
        }
        [Optimizer(typeof(S), "Descend")] public sealed partial class Plain;
        [Optimizer(typeof(S), "Decay")] [Hyper("wd", 0.1)] public sealed partial class Other;
        """;

    [Fact]
    public void Editing_one_optimizer_regenerates_only_that_optimizer()
    {
        var (_, optimizers) = RunEdited(Commented, Commented.Replace("[Hyper(\"wd\", 0.1)]", "[Hyper(\"wd\", 0.2)]"));
        var reasons = optimizers.TrackedSteps[OptimizerGenerator.OptimizerModels].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Single(reasons, IncrementalStepRunReason.Modified);
        Assert.Single(reasons, r => r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached);
    }

    /// <summary>Types that would keep a compilation alive in the incremental cache (and break equality) if a model held them.</summary>
    private static readonly Type[] Forbidden = [typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxTree), typeof(Location), typeof(AttributeData)];

    [Fact]
    public void No_model_holds_a_symbol_a_syntax_node_or_a_compilation()
    {
        var assembly = typeof(CallbackGenerator).Assembly;
        var roots = assembly.GetTypes().Where(t => t.Name is "OptimizerParse" or "CallbackParse" or "PipelineParse").ToList();
        Assert.Equal(3, roots.Count);
        var seen = new HashSet<Type>();
        var pending = new Stack<(Type Type, string Path)>(roots.Select(r => (r, r.Name)));
        while (pending.Count > 0)
        {
            var (type, path) = pending.Pop();
            if (!seen.Add(type) || type.IsPrimitive || type == typeof(string) || type.IsEnum) continue;
            Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} is a {type.Name}");
            var parts = type.IsArray ? [type.GetElementType()!] : type.GetGenericArguments().AsEnumerable();
            if (type.Assembly == assembly)
                parts = parts.Concat(type.GetProperties(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public).Select(p => p.PropertyType));
            foreach (var part in parts) pending.Push((part, $"{path} > {part.Name}"));
        }
        Assert.Contains(seen, t => t.Name == "KernelStep");   // the walk reached the step models
    }
}
