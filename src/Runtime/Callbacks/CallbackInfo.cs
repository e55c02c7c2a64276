using System;

namespace Gen.Internals;

/// <summary>
/// What the generator knows of a callback class at compile time: its fastai name, order, events and
/// ordering constraints. One static instance per class; the runtime orders callbacks from it without reflection.
/// </summary>
public sealed class CallbackInfo(Type type, string name, int order, EventMask events, Type[] runBefore, Type[] runAfter)
{
    /// <summary>The callback class.</summary>
    public Type Type { get; } = type;

    /// <summary>fastai's <c>name</c>: snake case, "Callback" suffix dropped.</summary>
    public string Name { get; } = name;

    /// <summary>fastai's <c>order</c>, from <see cref="OrderAttribute"/> (0 without one).</summary>
    public int Order { get; } = order;

    /// <summary>The events the class has handlers for.</summary>
    public EventMask Events { get; } = events;

    /// <summary>fastai's <c>run_before</c>: the types of the class's <see cref="RunBeforeAttribute"/>s; it runs before every callback of these types (or derived).</summary>
    public Type[] RunBefore { get; } = runBefore;

    /// <summary>fastai's <c>run_after</c>: the types of the class's <see cref="RunAfterAttribute"/>s; it runs after every callback of these types (or derived).</summary>
    public Type[] RunAfter { get; } = runAfter;
}
