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

    [Fact]
    public void Pipeline_is_ordered_at_compile_time_and_calls_handlers_directly()
    {
        var result = GeneratorHarness.Run(Callbacks);
        Assert.Empty(result.CompileErrors);
        // TrainEval (order -10) first; Logger must run before TerminateOnNaN (order 5) although its order is 0 — it is anyway.
        Snapshot.Verify(result.Generated["Demo.MyLoop.g.cs"], "MyLoop");
    }
}
