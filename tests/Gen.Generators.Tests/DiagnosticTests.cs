using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Gen.Generators.Tests;

/// <summary>Each diagnostic: its ID, that it is an error, its message, and its location ([| |] marks the expected span).</summary>
public class DiagnosticTests
{
    /// <summary>The one diagnostic <paramref name="id"/> (or, with <paramref name="atMarkedSpan"/>, the one at the marked span), checked.</summary>
    private static Diagnostic Single(string markedSource, string id, bool atMarkedSpan = false)
    {
        int start = markedSource.IndexOf("[|"), end = markedSource.IndexOf("|]") - 2;
        var source = markedSource.Replace("[|", "").Replace("|]", "");
        var result = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics,
            d => d.Id == id && (!atMarkedSpan || d.Location.SourceSpan == TextSpan.FromBounds(start, end)));
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(TextSpan.FromBounds(start, end), diagnostic.Location.SourceSpan);
        return diagnostic;
    }

    [Fact]
    public void GEN0001_unknown_event_suggests_the_nearest_name()
    {
        var d = Single("""
            using Gen;
            public sealed partial class C : Callback { [Event] void [|AfterBtach|]() { } }
            """, "GEN0001");
        Assert.Equal("'AfterBtach' is not a fastai event; did you mean 'AfterBatch'?", d.GetMessage());
    }

    [Fact]
    public void GEN0001_with_no_close_event_says_how_to_name_one()
    {
        var d = Single("""
            using Gen;
            public sealed partial class C : Callback { [Event] void [|LogEverything|]() { } }
            """, "GEN0001");
        Assert.Equal("'LogEverything' is not a fastai event; name the method after one of fastai's events (BeforeFit, AfterBatch, ...) or give its event: [Event(Event.AfterBatch)]", d.GetMessage());
    }

    [Theory]
    [InlineData("int [|AfterBatch|]() => 0;", "it returns int")]
    [InlineData("void [|AfterBatch|](int x) { }", "its parameter is int, not Learner")]
    [InlineData("void [|AfterBatch|](Learner a, Learner b) { }", "it takes 2 parameters")]
    [InlineData("static void [|AfterBatch|]() { }", "it is static")]
    [InlineData("void [|AfterBatch|]<T>() { }", "it is generic")]
    [InlineData("void [|AfterBatch|](ref Learner learn) { }", "it takes the Learner as 'ref'; take it by value")]
    [InlineData("void [|AfterBatch|](in Learner learn) { }", "it takes the Learner as 'in'; take it by value")]
    public void GEN0002_bad_signature_says_what_is_wrong(string member, string reason)
    {
        var d = Single($$"""
            using Gen;
            public sealed partial class C : Callback { [Event] {{member}} }
            """, "GEN0002");
        Assert.EndsWith(reason, d.GetMessage());
    }

    [Fact]
    public void GEN0003_callback_not_partial()
    {
        var d = Single("""
            using Gen;
            public sealed class [|C|] : Callback { [Event] void AfterBatch() { } }
            """, "GEN0003");
        Assert.Contains("'C' must be declared partial", d.GetMessage());
    }

    [Fact]
    public void GEN0003_pipeline_not_partial()
    {
        Single("""
            using Gen;
            [Pipeline(typeof(TrainEval))] public sealed class [|Loop|];
            """, "GEN0003");
    }

    [Fact]
    public void GEN0004_cycle_is_spelled_out_on_each_attribute_of_the_cycle()
    {
        const string source = """
            using Gen;
            [RunBefore(typeof(B))] public sealed partial class A : Callback { [Event] void AfterBatch() { } }
            [RunBefore(typeof(C))] public sealed partial class B : Callback { [Event] void AfterBatch() { } }
            [RunBefore(typeof(A))] public sealed partial class C : Callback { [Event] void AfterBatch() { } }
            """;
        var cycles = GeneratorHarness.Run(source).GeneratorDiagnostics.Where(d => d.Id == "GEN0004").ToList();
        Assert.Equal(["RunBefore(typeof(A))", "RunBefore(typeof(B))", "RunBefore(typeof(C))"],
            cycles.Select(d => source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)).Order());
        Assert.All(cycles, d => Assert.Equal(
            "The run_before/run_after constraints form a cycle: A -> B -> C -> A; remove one of these constraints", d.GetMessage()));
    }

    [Fact]
    public void GEN0004_cycle_through_run_after_and_a_base_class()
    {
        const string source = """
            using Gen;
            public abstract partial class Base : Callback { }
            [RunAfter(typeof(Base))] public sealed partial class A : Callback { [Event] void AfterBatch() { } }
            [RunAfter(typeof(A))] public sealed partial class Leaf : Base { [Event] void AfterBatch() { } }
            """;
        var cycles = GeneratorHarness.Run(source).GeneratorDiagnostics.Where(d => d.Id == "GEN0004").ToList();
        Assert.Equal(2, cycles.Count);
        Assert.All(cycles, d => Assert.Contains("A -> Leaf -> A", d.GetMessage()));
        Assert.Equal(["RunAfter(typeof(A))", "RunAfter(typeof(Base))"],
            cycles.Select(d => source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)).Order());
    }

    [Fact]
    public void GEN0004_cycle_in_a_pipeline_is_reported_on_the_pipeline_too()
    {
        var d = Single("""
            using Gen;
            [RunBefore(typeof(C))] public sealed partial class A : Callback { [Event] void AfterBatch() { } }
            [RunBefore(typeof(A))] public sealed partial class B : Callback { [Event] void AfterBatch() { } }
            [RunBefore(typeof(B))] public sealed partial class C : Callback { [Event] void AfterBatch() { } }
            [[|Pipeline(typeof(A), typeof(B), typeof(C))|]] public sealed partial class Loop;
            """, "GEN0004", atMarkedSpan: true);
        Assert.Contains("A -> C -> B -> A", d.GetMessage());
    }

    [Fact]
    public void GEN0005_ordering_target_not_a_callback()
    {
        var d = Single("""
            using Gen;
            [[|RunBefore(typeof(string))|]] public sealed partial class A : Callback { [Event] void AfterBatch() { } }
            """, "GEN0005");
        Assert.Equal("'string' in [RunBefore] is not a callback; name a class that derives from Gen.Callback", d.GetMessage());
    }

    [Fact]
    public void GEN0006_two_handlers_for_one_event()
    {
        var d = Single("""
            using Gen;
            public sealed partial class A : Callback
            {
                [Event] void AfterBatch() { }
                [Event(Event.AfterBatch)] void [|Again|]() { }
            }
            """, "GEN0006");
        Assert.Equal("'A' has two handlers for 'AfterBatch': 'AfterBatch' and 'Again'; merge them into one method", d.GetMessage());
    }

    [Fact]
    public void GEN0007_duplicate_type_in_pipeline()
    {
        var d = Single("""
            using Gen;
            [[|Pipeline(typeof(TrainEval), typeof(TrainEval))|]] public sealed partial class Loop;
            """, "GEN0007");
        Assert.Contains("'Gen.TrainEval' appears more than once", d.GetMessage());
    }

    [Fact]
    public void GEN0008_pipeline_member_not_a_callback()
    {
        Single("""
            using Gen;
            [[|Pipeline(typeof(TrainEval), typeof(int))|]] public sealed partial class Loop;
            """, "GEN0008");
    }

    [Fact]
    public void GEN0009_handler_outside_a_callback()
    {
        Single("""
            using Gen;
            public sealed partial class [|NotACallback|] { [Event] void AfterBatch() { } }
            """, "GEN0009");
    }

    [Fact]
    public void GEN0010_handlers_in_a_base_callback_are_not_silently_hidden()
    {
        var d = Single("""
            using Gen;
            public partial class Logger : Callback { [Event] void AfterBatch() { } }
            public sealed partial class [|DetailedLogger|] : Logger { [Event] void AfterEpoch() { } }
            """, "GEN0010");
        Assert.Equal("'DetailedLogger' derives from 'Logger', which has event handlers of its own; put all handlers in one class, or add the two as separate callbacks", d.GetMessage());
    }
}
