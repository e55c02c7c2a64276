using System;

namespace Gen;

/// <summary>
/// What the generator knows of a callback class at compile time: its fastai name, order, events and
/// ordering constraints. One static instance per class; the runtime orders callbacks from it without reflection.
/// </summary>
public sealed class CallbackInfo(Type type, string name, int order, EventMask events, Type[] runBefore, Type[] runAfter)
{
    public Type Type { get; } = type;

    /// <summary>fastai's <c>name</c>: snake case, "Callback" suffix dropped.</summary>
    public string Name { get; } = name;

    public int Order { get; } = order;
    public EventMask Events { get; } = events;
    public Type[] RunBefore { get; } = runBefore;
    public Type[] RunAfter { get; } = runAfter;
}
