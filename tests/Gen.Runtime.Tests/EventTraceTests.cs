using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Xunit;
using Gen.TestSupport;

namespace Gen.Runtime.Tests;

/// <summary>
/// Replays every <c>learner_events</c> case of the reference files: the tracer's record must be fastai's
/// sequence exactly, whether the cancel is thrown or requested, through dynamic dispatch or a pipeline.
/// </summary>
public class EventTraceTests
{
    public static IEnumerable<object[]> Cases() =>
        from file in ReferenceFiles.All
        let section = file.Root["learner_events"]
        where section is not null
        from c in section["cases"]!.AsArray()
        from mode in new[] { CancelMode.Throw, CancelMode.Request }
        from pipeline in new[] { false, true }
        select new object[] { file.Name, c!["id"]!.GetValue<string>(), mode, pipeline };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trace_matches_fastai(string file, string caseId, CancelMode mode, bool pipeline)
    {
        var c = ReferenceFiles.All.Single(f => f.Name == file).Root["learner_events"]!["cases"]!.AsArray()
            .Single(x => x!["id"]!.GetValue<string>() == caseId)!;
        var expected = c["events"]!.AsArray().Select(e => EventInfo.FromSnakeName(e!.GetValue<string>())).ToList();
        var tracer = new Tracer(ParseTrigger(c["raise"]), mode);

        // The reference set-up: 2 training batches, 1 validation batch; the tracer joins after creation.
        using var learn = pipeline
            ? SynthLearner.Create(pipeline: new TracePipeline(new TrainEval(), tracer))
            : SynthLearner.Create();
        if (!pipeline) learn.Add(tracer);
        else tracer.Events.Clear();   // a pipeline is there from creation: drop its after_create
        Assert.Equal(pipeline, learn.UsesPipeline);

        try { learn.Fit(1); }
        catch (CancelException) { /* a cancel no stage takes leaves fit, as in fastai */ }

        Assert.Equal(expected.Select(e => e.SnakeName()), tracer.Events.Select(e => e.SnakeName()));
    }

    /// <summary>The case's <c>raise</c>; anything this port cannot interpret fails the test.</summary>
    private static Trigger? ParseTrigger(JsonNode? raise)
    {
        if (raise is null) return null;
        var name = raise["exception"]!.GetValue<string>();
        var stage = name switch
        {
            "CancelBatchException" => Stage.Batch,
            "CancelBackwardException" => Stage.Backward,
            "CancelStepException" => Stage.Step,
            "CancelTrainException" => Stage.Train,
            "CancelValidException" => Stage.Validate,
            "CancelEpochException" => Stage.Epoch,
            "CancelFitException" => Stage.Fit,
            _ => throw new InvalidOperationException($"Unknown exception '{name}' in a learner_events case."),
        };
        bool? training = raise["phase"]?.GetValue<string>() switch
        {
            null => null,
            "train" => true,
            "valid" => false,
            var phase => throw new InvalidOperationException($"Unknown phase '{phase}' in a learner_events case."),
        };
        var known = new HashSet<string> { "exception", "event", "phase", "batch" };
        var unknown = raise.AsObject().Select(p => p.Key).FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null) throw new InvalidOperationException($"Unknown field '{unknown}' in a learner_events raise.");
        return new Trigger(EventInfo.FromSnakeName(raise["event"]!.GetValue<string>()), stage, training, raise["batch"]?.GetValue<int>());
    }

    [Fact]
    public void Every_reference_file_with_learner_events_has_cases()
    {
        Assert.All(ReferenceFiles.All.Where(f => f.Root["learner_events"] is not null),
            f => Assert.NotEmpty(f.Root["learner_events"]!["cases"]!.AsArray()));
    }
}
