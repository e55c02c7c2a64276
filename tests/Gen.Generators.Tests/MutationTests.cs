using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using G = CsCheck.Gen; // our namespace is also called Gen

namespace Gen.Generators.Tests;

/// <summary>
/// The generator is total: valid sources mutated at random (tokens deleted, repeated or replaced by others of the
/// corpus, lines dropped or swapped) give GEN or compiler errors, never an exception (CS8785, which would drop every
/// class's output) and never the GEN9999 that stands for one.
/// </summary>
public class MutationTests
{
    private const string Corpus = """
        using System;
        using Gen;
        namespace Demo;
        public static class MySteps
        {
            [Step] public static void Decay(ref float p, float lr, float wd) => p *= 1 - lr * wd;
            [Step] public static void Average(ref float gradAvg, float grad, float mom, [Option] bool dampening) => gradAvg = gradAvg * mom + (dampening ? 1 - mom : 1) * grad;
            [Step] public static void Descend(ref float p, float gradAvg, float lr) => p -= lr * MathF.Sqrt(gradAvg * gradAvg + 1e-8f);
            [Step] public static void Count([PerTensor] ref int step) => step++;
        }
        [Optimizer(typeof(MySteps), "Decay", "Average(dampening: true)", "Descend", "Count")]
        [Hyper("wd", 0.01), Hyper("mom", 0.9)]
        public sealed partial class MyOpt;
        [Order(10), RunBefore(typeof(Saver))]
        public sealed partial class Logger : Callback
        {
            [Event] void BeforeFit(Learner learn) { }
            [Event(Event.AfterBatch)] void Log() { }
        }
        [RunAfter(typeof(Logger))]
        public sealed partial class Saver : Callback, IStep
        {
            public void Step(Learner learn) { }
            [Event] void AfterEpoch() { }
        }
        public partial class Outer<T> { public sealed partial class Inner : Callback { [Event] void AfterLoss() { } } }
        [Pipeline(typeof(Logger), typeof(Saver), typeof(TrainEval))]
        public sealed partial class Loop;
        """;

    private static readonly string[] Lines = Corpus.Split('\n');
    private static readonly SyntaxToken[] Tokens = CSharpSyntaxTree.ParseText(Corpus).GetRoot().DescendantTokens().ToArray();

    private sealed record Mutation(int Kind, int At, int Other);

    private static string Apply(string source, Mutation m)
    {
        if (m.Kind >= 3)   // line mutations
        {
            var lines = source.Split('\n').ToList();
            int a = m.At % lines.Count, b = m.Other % lines.Count;
            if (m.Kind == 3) lines.RemoveAt(a);
            else (lines[a], lines[b]) = (lines[b], lines[a]);
            return string.Join('\n', lines);
        }
        var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().ToArray();
        if (tokens.Length == 0) return source;
        var token = tokens[m.At % tokens.Length];
        var replacement = m.Kind switch
        {
            0 => "",                                                        // delete
            1 => token.Text + " " + token.Text,                             // repeat
            _ => Tokens[m.Other % Tokens.Length].Text,                      // replace by another token of the corpus
        };
        return source.Substring(0, token.SpanStart) + replacement + source.Substring(token.Span.End);
    }

    private static readonly CsCheck.Gen<Mutation[]> Mutations =
        G.Select(G.Int[0, 4], G.Int[0, 10_000], G.Int[0, 10_000], (kind, at, other) => new Mutation(kind, at, other)).Array[1, 4];

    [Fact]
    public void Mutated_valid_sources_never_crash_the_generator()
    {
        Assert.Empty(GeneratorHarness.Run(Corpus).GeneratorDiagnostics);   // the corpus itself is valid
        Mutations.Sample(mutations =>
        {
            var source = mutations.Aggregate(Corpus, Apply);
            var driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(GeneratorHarness.Compilation(source), out _, out var diagnostics);
            var crash = diagnostics.FirstOrDefault(d => d.Id is "CS8785" or "GEN9999")?.ToString()
                        ?? driver.GetRunResult().Results.Select(r => r.Exception?.ToString()).FirstOrDefault(e => e is not null);
            Assert.True(crash is null, $"{crash}\n--- source ---\n{source}");
        }, iter: 300);
    }
}
