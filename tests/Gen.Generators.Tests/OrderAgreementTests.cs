using System;
using System.IO;
using System.Linq;
using System.Reflection;
using CsCheck;
using Microsoft.CodeAnalysis;
using Xunit;
using G = CsCheck.Gen; // our namespace is also called Gen

namespace Gen.Generators.Tests;

/// <summary>
/// The compile-time order of a [Pipeline] and the run-time order of the same callbacks (from the
/// generated metadata) must agree, for any orders and constraints: the generator builds its edges from
/// symbols, the runtime from Types, and both then use the one ordering algorithm.
/// </summary>
public class OrderAgreementTests
{
    private sealed record Case(int[] Orders, (int Before, int After, bool AsRunAfter)[] Edges, int[] Listed);

    private static readonly CsCheck.Gen<Case> Cases =
        from n in G.Int[2, 6]
        from orders in G.Int[-2, 2].Array[n]
        from rank in G.Int.Array[n]
        from pairs in G.Select(G.Int[0, n - 1], G.Int[0, n - 1], G.Bool).Array[0, 6]
        from listed in G.Shuffle(Enumerable.Range(0, n).ToArray())
        select new Case(orders,
            pairs.Where(p => p.Item1 != p.Item2)
                 .Select(p => (rank[p.Item1], p.Item1).CompareTo((rank[p.Item2], p.Item2)) < 0 ? (p.Item1, p.Item2, p.Item3) : (p.Item2, p.Item1, p.Item3))
                 .Distinct().ToArray(),
            listed);

    private static string Source(Case c)
    {
        var classes = Enumerable.Range(0, c.Orders.Length).Select(i =>
        {
            var attributes = c.Edges.Where(e => e.AsRunAfter ? e.After == i : e.Before == i)
                .Select(e => e.AsRunAfter ? $"[RunAfter(typeof(C{e.Before}))]" : $"[RunBefore(typeof(C{e.After}))]");
            return $"{string.Concat(attributes)}[Order({c.Orders[i]})] public sealed partial class C{i} : Callback {{ [Event] void AfterBatch() {{ }} }}";
        });
        var pipeline = $"[Pipeline({string.Join(", ", c.Listed.Select(i => $"typeof(C{i})"))})] public sealed partial class Loop;";
        return "using Gen;\nnamespace Demo;\n" + string.Join("\n", classes) + "\n" + pipeline;
    }

    [Fact]
    public void Pipeline_order_equals_the_runtime_order_of_the_same_callbacks()
    {
        Cases.Sample(c =>
        {
            var compilation = GeneratorHarness.Compilation(Source(c));
            GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
            Assert.Empty(diagnostics);
            using var stream = new MemoryStream();
            var emit = output.Emit(stream);
            Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));

            var assembly = Assembly.Load(stream.ToArray());
            var pipeline = (CallbackPipeline)Activator.CreateInstance(assembly.GetType("Demo.Loop")!)!;
            var inserted = c.Listed.Select(i => pipeline.Callbacks.Single(cb => cb.GetType().Name == $"C{i}")).ToList();
            Assert.Equal(CallbackSet.Order(inserted).Select(cb => cb.Name), pipeline.Callbacks.Select(cb => cb.Name));
        }, iter: 60);
    }
}
