using System;
using System.Collections.Generic;
using System.Linq;
using Gen.Ordering;

namespace Gen;

/// <summary>
/// The learner's callbacks: kept in insertion order, ordered by <see cref="CallbackOrder"/> on every
/// change, and dispatched either through a generated <see cref="CallbackPipeline"/> (while the set is
/// exactly the pipeline's, in the same order) or through per-event arrays rebuilt once per change.
/// </summary>
internal sealed class CallbackSet
{
    private readonly List<Callback> _inserted = [];
    private readonly CallbackPipeline? _pipeline;
    private Callback[] _ordered = [];
    private readonly Callback[][] _byEvent = new Callback[EventInfo.Count][];
    private bool _usePipeline;

    /// <summary>A set holding the callbacks of <paramref name="pipeline"/>, or none.</summary>
    /// <param name="pipeline">A compile-time ordered set; dispatch goes through it while the set is exactly its callbacks, in its order.</param>
    public CallbackSet(CallbackPipeline? pipeline = null)
    {
        _pipeline = pipeline;
        if (pipeline is not null) _inserted.AddRange(pipeline.Callbacks);
        Rebuild();
    }

    /// <summary>The callbacks in insertion order (fastai's <c>learn.cbs</c>).</summary>
    public IReadOnlyList<Callback> Inserted => _inserted;

    /// <summary>The callbacks in the order their handlers run.</summary>
    public IReadOnlyList<Callback> Ordered => _ordered;

    /// <summary>Whether dispatch currently goes through the generated pipeline.</summary>
    public bool UsesPipeline => _usePipeline;

    /// <summary>The callbacks that replace each step of a batch, in order (empty: the Learner's own step).</summary>
    internal IPredict[] Predictors { get; private set; } = [];
    internal IGetLoss[] LossGetters { get; private set; } = [];
    internal IBackward[] Backwards { get; private set; } = [];
    internal IStep[] Steppers { get; private set; } = [];
    internal IZeroGrad[] GradZeroers { get; private set; } = [];

    /// <summary>Adds callbacks; throws, leaving the set unchanged, if their constraints form a cycle.</summary>
    public void Add(IEnumerable<Callback> callbacks)
    {
        int before = _inserted.Count;
        _inserted.AddRange(callbacks);
        try { Rebuild(); }
        catch { _inserted.RemoveRange(before, _inserted.Count - before); Rebuild(); throw; }
    }

    /// <summary>Removes callbacks (by reference).</summary>
    public void Remove(IEnumerable<Callback> callbacks)
    {
        foreach (var cb in callbacks) _inserted.Remove(cb);
        Rebuild();
    }

    /// <summary>Runs <paramref name="e"/>'s handlers in order; stops after a handler that asks to cancel.</summary>
    public void Dispatch(Event e, Learner learn)
    {
        if (_usePipeline) { _pipeline!.Dispatch(e, learn); return; }
        foreach (var cb in _byEvent[(int)e])
        {
            cb.Invoke(e, learn);
            if (learn.CancelRequested) return;
        }
    }

    private void Rebuild()
    {
        _ordered = Order(_inserted);
        for (int e = 0; e < EventInfo.Count; e++)
            _byEvent[e] = _ordered.Where(cb => cb.Info.Events.Has((Event)e)).ToArray();
        _usePipeline = _pipeline is not null && _pipeline.Callbacks.SequenceEqual(_ordered);
        Predictors = _ordered.OfType<IPredict>().ToArray();
        LossGetters = _ordered.OfType<IGetLoss>().ToArray();
        Backwards = _ordered.OfType<IBackward>().ToArray();
        Steppers = _ordered.OfType<IStep>().ToArray();
        GradZeroers = _ordered.OfType<IZeroGrad>().ToArray();
    }

    /// <summary>Orders <paramref name="callbacks"/> by their compile-time metadata; throws naming the cycle if there is one.</summary>
    public static Callback[] Order(IReadOnlyList<Callback> callbacks)
    {
        var orders = callbacks.Select(cb => cb.Order).ToArray();
        var edges = new List<OrderEdge>();
        for (int i = 0; i < callbacks.Count; i++)
        for (int j = 0; j < callbacks.Count; j++)
        {
            if (i == j) continue;
            var (a, b) = (callbacks[i].Info, callbacks[j].Info);
            if (a.RunBefore.Any(t => t.IsAssignableFrom(b.Type)) || b.RunAfter.Any(t => t.IsAssignableFrom(a.Type)))
                edges.Add(new OrderEdge(i, j));
        }
        if (CallbackOrder.TrySort(orders, edges, out var sorted, out var cycle))
            return sorted.Select(i => callbacks[i]).ToArray();
        var names = string.Join(" -> ", cycle.Select(i => callbacks[i].Info.Type.Name));
        throw new InvalidOperationException(
            $"Callbacks cannot be ordered: their run_before/run_after constraints form a cycle {names}. " +
            "Remove one of these [RunBefore]/[RunAfter] constraints, or do not add these callbacks together.");
    }
}
