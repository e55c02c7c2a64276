extern alias generator;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using CallbackGenerator = generator::Gen.Generators.CallbackGenerator;
using OptimizerGenerator = generator::Gen.Generators.OptimizerGenerator;
using TrackingNames = generator::Gen.Generators.CallbackGenerator.TrackingNames;

namespace Gen.Generators.Tests;

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
}
