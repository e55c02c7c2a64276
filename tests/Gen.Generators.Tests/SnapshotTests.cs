using System;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Gen.Generators.Tests;

public class SnapshotTests
{
    private const string Callbacks = """
        using Gen;
        namespace Demo;

        [Order(5)]
        [RunAfter(typeof(Logger))]
        public sealed partial class TerminateOnNaNCallback : Callback
        {
            [Event] void AfterBatch(Learner learn) { if (double.IsNaN(learn.LossValue)) learn.Cancel(Stage.Fit); }
            [Event(Event.BeforeFit)] void Start() { }
        }

        [Order(10)]
        [RunBefore(typeof(TerminateOnNaNCallback))]
        public sealed partial class Logger : Callback
        {
            [Event] void AfterBatch() { }
            [Event] void AfterFit(Learner learn) { }
        }

        public static partial class Outer
        {
            public sealed partial class Nested<TTag> : Callback
            {
                [Event] void BeforeBatch() { }
            }
        }

        [Pipeline(typeof(TerminateOnNaNCallback), typeof(TrainEval), typeof(Logger))]
        public sealed partial class MyLoop;
        """;

    [Fact]
    public void Callback_class_gets_metadata_switch_and_direct_entries()
    {
        var result = GeneratorHarness.Run(Callbacks);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
        Snapshot.Verify(result.Generated["Demo.TerminateOnNaNCallback.g.cs"], "TerminateOnNaNCallback");
    }

    [Fact]
    public void Nested_generic_callback_reopens_its_containing_types()
    {
        var result = GeneratorHarness.Run(Callbacks);
        Assert.Empty(result.CompileErrors);
        Snapshot.Verify(result.Generated["Demo.Outer.Nested{TTag}.g.cs"], "NestedGeneric");
    }

    private const string RunAfterLogger = "[RunAfter(typeof(Logger))]";
    private const string RunBeforeTerminateOnNaN = "[RunBefore(typeof(TerminateOnNaNCallback))]";

    [Fact]
    public void Pipeline_is_ordered_at_compile_time_and_calls_handlers_directly()
    {
        var result = GeneratorHarness.Run(Callbacks);
        Assert.Empty(result.CompileErrors);
        // TrainEval (order -10) first; then Logger, although its order (10) is above TerminateOnNaN's (5): only the
        // run_before/run_after constraint puts it first.
        var generated = result.Generated["Demo.MyLoop.Pipeline.g.cs"];
        Assert.Equal(["_trainEval", "_logger", "_terminateOnNaNCallback"], AfterBatchCalls(generated));
        Assert.Contains("new global::Gen.Callback[] { _trainEval, _logger, _terminateOnNaNCallback }", generated);

        Assert.Contains(RunAfterLogger, Callbacks);
        Assert.Contains(RunBeforeTerminateOnNaN, Callbacks);
        var unconstrained = GeneratorHarness.Run(Callbacks.Replace(RunAfterLogger, "").Replace(RunBeforeTerminateOnNaN, ""));
        Assert.Empty(unconstrained.CompileErrors);
        var byOrder = unconstrained.Generated["Demo.MyLoop.Pipeline.g.cs"];
        Assert.Equal(["_trainEval", "_terminateOnNaNCallback", "_logger"], AfterBatchCalls(byOrder));
        Assert.Contains("new global::Gen.Callback[] { _trainEval, _terminateOnNaNCallback, _logger }", byOrder);
        Assert.NotEqual(AfterBatchCalls(generated), AfterBatchCalls(byOrder));

        Snapshot.Verify(generated, "MyLoop");
    }

    [Theory]
    [InlineData(RunAfterLogger)]
    [InlineData(RunBeforeTerminateOnNaN)]
    public void Pipeline_order_follows_either_form_of_the_constraint(string removed)
    {
        Assert.Contains(removed, Callbacks);
        var result = GeneratorHarness.Run(Callbacks.Replace(removed, ""));
        Assert.Empty(result.CompileErrors);
        Assert.Equal(["_trainEval", "_logger", "_terminateOnNaNCallback"], AfterBatchCalls(result.Generated["Demo.MyLoop.Pipeline.g.cs"]));
    }

    /// <summary>The fields whose AfterBatch handlers the pipeline's AfterBatch calls, in call order.</summary>
    private static string[] AfterBatchCalls(string pipeline)
    {
        var body = pipeline.Substring(pipeline.IndexOf("private void AfterBatch(global::Gen.Learner learn)", StringComparison.Ordinal));
        body = body.Substring(0, body.IndexOf('}') + 1);
        return Regex.Matches(body, @"(_\w+)\.DispatchAfterBatch\(learn\);").Select(m => m.Groups[1].Value).ToArray();
    }

    [Fact]
    public void A_callback_that_only_replaces_loop_steps_gets_metadata_and_no_events()
    {
        var result = GeneratorHarness.Run("""
            using Gen;
            namespace Demo;
            [RunAfter(typeof(TrainEval))]
            public sealed partial class TrainCB : Callback, IPredict, IZeroGrad
            {
                public void Predict(Learner learn) { }
                public void ZeroGrad(Learner learn) { }
            }
            public abstract class StepBase : Callback, IStep { public void Step(Learner learn) { } }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
        var generated = result.Generated["Demo.TrainCB.g.cs"];
        Assert.Contains("(global::Gen.Internals.EventMask)0x000000u, global::System.Type.EmptyTypes, new global::System.Type[] { typeof(global::Gen.TrainEval) }", generated);
        Assert.DoesNotContain("switch", generated);
        Assert.DoesNotContain(result.Generated.Keys, k => k.Contains("StepBase"));   // abstract: its concrete subclasses get the metadata
    }

    [Fact]
    public void A_loop_step_callback_that_is_not_partial_is_told_to_be()
    {
        var result = GeneratorHarness.Run("""
            using Gen;
            public sealed class TrainCB : Callback, IBackward { public void Backward(Learner learn) { } }
            """);
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "GEN0003" && d.GetMessage().Contains("'TrainCB' must be declared partial"));
    }
}
