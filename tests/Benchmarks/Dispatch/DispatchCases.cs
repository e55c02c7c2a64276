using System;
using System.Collections.Generic;
using Gen;

namespace Benchmarks.Dispatch;

/// <summary>The three ways to deliver one training batch's events to K no-op callbacks.</summary>
public sealed class DispatchCases
{
    /// <summary>The events of one training batch, in fastai's order.</summary>
    public static readonly Event[] BatchEvents =
    [
        Event.BeforeBatch, Event.AfterPred, Event.AfterLoss, Event.BeforeBackward,
        Event.AfterBackward, Event.BeforeStep, Event.AfterStep, Event.AfterBatch,
    ];

    private static readonly string[] BatchEventNames = Array.ConvertAll(BatchEvents, e => e.ToString());

    private readonly CallbackPipeline _pipeline;
    private readonly CallbackSet _dynamic;
    private readonly ReflectionDispatcher _reflection;
    private readonly Learner _learn;

    public DispatchCases(int k, Learner learn)
    {
        _pipeline = k switch
        {
            1 => new Pipeline1(),
            10 => new Pipeline10(),
            50 => new Pipeline50(),
            _ => throw new ArgumentOutOfRangeException(nameof(k), k, "Pipelines are compiled for K = 1, 10 and 50."),
        };
        _dynamic = new CallbackSet();
        _dynamic.Add(_pipeline.Callbacks);
        _reflection = new ReflectionDispatcher(_pipeline.Callbacks);
        _learn = learn;
        K = k;
    }

    public int K { get; }

    public void PipelineBatch()
    {
        foreach (var e in BatchEvents) _pipeline.Dispatch(e, _learn);
    }

    public void DynamicBatch()
    {
        foreach (var e in BatchEvents) _dynamic.Dispatch(e, _learn);
    }

    public void ReflectionBatch()
    {
        foreach (var name in BatchEventNames) _reflection.Dispatch(name);
    }

    public static IReadOnlyList<int> Ks { get; } = [1, 10, 50];
}
