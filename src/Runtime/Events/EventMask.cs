namespace Gen.Internals;

/// <summary>A set of <see cref="Event"/>s, one bit per event.</summary>
[System.Flags]
public enum EventMask : uint
{
    /// <summary>No event.</summary>
    None = 0,
    /// <summary>Every event.</summary>
    All = (1u << EventInfo.Count) - 1,
}
