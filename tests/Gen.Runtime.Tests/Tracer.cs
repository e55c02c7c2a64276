using System.Collections.Generic;

namespace Gen.Runtime.Tests;

/// <summary>How <see cref="Tracer"/> cancels when its trigger matches.</summary>
public enum CancelMode { Throw, Request }

/// <summary>When <see cref="Tracer"/> cancels: at <see cref="Event"/>, in a phase (null: any) and batch (null: any).</summary>
public sealed record Trigger(Event Event, Stage Stage, bool? Training, int? Batch);

/// <summary>
/// fastai's tracing callback of the reference traces: order 100, records every event it receives, and
/// cancels once, the first time its trigger matches, by throwing or by <see cref="Learner.Cancel"/>.
/// </summary>
[Order(100)]
public sealed partial class Tracer(Trigger? trigger = null, CancelMode mode = CancelMode.Throw) : Callback
{
    private bool _fired;

    public List<Event> Events { get; } = [];

    private void Record(Learner learn, Event e)
    {
        Events.Add(e);
        if (_fired || trigger is null || trigger.Event != e) return;
        if (trigger.Training is bool training && training != learn.Training) return;
        if (trigger.Batch is int batch && batch != learn.Iter) return;
        _fired = true;
        if (mode == CancelMode.Throw) throw CancelException.For(trigger.Stage);
        learn.Cancel(trigger.Stage);
    }

    [Event] void AfterCreate(Learner l) => Record(l, Event.AfterCreate);
    [Event] void BeforeFit(Learner l) => Record(l, Event.BeforeFit);
    [Event] void BeforeEpoch(Learner l) => Record(l, Event.BeforeEpoch);
    [Event] void BeforeTrain(Learner l) => Record(l, Event.BeforeTrain);
    [Event] void BeforeBatch(Learner l) => Record(l, Event.BeforeBatch);
    [Event] void AfterPred(Learner l) => Record(l, Event.AfterPred);
    [Event] void AfterLoss(Learner l) => Record(l, Event.AfterLoss);
    [Event] void BeforeBackward(Learner l) => Record(l, Event.BeforeBackward);
    [Event] void AfterCancelBackward(Learner l) => Record(l, Event.AfterCancelBackward);
    [Event] void AfterBackward(Learner l) => Record(l, Event.AfterBackward);
    [Event] void BeforeStep(Learner l) => Record(l, Event.BeforeStep);
    [Event] void AfterCancelStep(Learner l) => Record(l, Event.AfterCancelStep);
    [Event] void AfterStep(Learner l) => Record(l, Event.AfterStep);
    [Event] void AfterCancelBatch(Learner l) => Record(l, Event.AfterCancelBatch);
    [Event] void AfterBatch(Learner l) => Record(l, Event.AfterBatch);
    [Event] void AfterCancelTrain(Learner l) => Record(l, Event.AfterCancelTrain);
    [Event] void AfterTrain(Learner l) => Record(l, Event.AfterTrain);
    [Event] void BeforeValidate(Learner l) => Record(l, Event.BeforeValidate);
    [Event] void AfterCancelValidate(Learner l) => Record(l, Event.AfterCancelValidate);
    [Event] void AfterValidate(Learner l) => Record(l, Event.AfterValidate);
    [Event] void AfterCancelEpoch(Learner l) => Record(l, Event.AfterCancelEpoch);
    [Event] void AfterEpoch(Learner l) => Record(l, Event.AfterEpoch);
    [Event] void AfterCancelFit(Learner l) => Record(l, Event.AfterCancelFit);
    [Event] void AfterFit(Learner l) => Record(l, Event.AfterFit);
}

/// <summary>The reference traces' set-up as a compile-time pipeline: fastai's TrainEval and the tracer.</summary>
[Pipeline(typeof(TrainEval), typeof(Tracer))]
public sealed partial class TracePipeline;
