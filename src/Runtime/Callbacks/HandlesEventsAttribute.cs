using System;

namespace Gen.Internals;

/// <summary>
/// Written by the generator on each callback class: the events it handles, so that pipelines in other
/// assemblies (which cannot see private handlers) know them. Not for hand-written code.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class HandlesEventsAttribute(EventMask events) : Attribute
{
    /// <summary>The events the callback class has handlers for.</summary>
    public EventMask Events { get; } = events;
}
