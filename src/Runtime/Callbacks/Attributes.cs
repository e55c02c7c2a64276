using System;

namespace Gen;

/// <summary>
/// Marks a callback method as the handler of an event: of the event it is named after
/// (<c>[Event] void AfterBatch(Learner learn)</c>), or of the event given (<c>[Event(Event.AfterBatch)]</c>).
/// The handler returns void and takes no parameter or one <see cref="Learner"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class EventAttribute : Attribute
{
    /// <summary>Handles the event the method is named after.</summary>
    public EventAttribute() { }

    /// <summary>Handles <paramref name="e"/>, whatever the method's name.</summary>
    public EventAttribute(Event e) => Event = e;

    /// <summary>The event handled, when given explicitly.</summary>
    public Event? Event { get; }
}

/// <summary>fastai's <c>order</c>: callbacks run by ascending order unless run_before/run_after say otherwise. Default 0.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class OrderAttribute(int order) : Attribute
{
    /// <summary>The callback's order.</summary>
    public int Order { get; } = order;
}

/// <summary>fastai's <c>run_before</c>: this callback runs before every callback of type <paramref name="callback"/> (or derived).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RunBeforeAttribute(Type callback) : Attribute
{
    /// <summary>The callback type this callback runs before.</summary>
    public Type Callback { get; } = callback;
}

/// <summary>fastai's <c>run_after</c>: this callback runs after every callback of type <paramref name="callback"/> (or derived).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RunAfterAttribute(Type callback) : Attribute
{
    /// <summary>The callback type this callback runs after.</summary>
    public Type Callback { get; } = callback;
}

/// <summary>
/// Declares a fixed set of callbacks whose order is computed at compile time; the generator makes the
/// partial class a <see cref="CallbackPipeline"/> with one direct, non-virtual method per event.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PipelineAttribute(params Type[] callbacks) : Attribute
{
    /// <summary>The pipeline's callback types, as given; the generator orders them, ties keeping this order.</summary>
    public Type[] Callbacks { get; } = callbacks;
}
