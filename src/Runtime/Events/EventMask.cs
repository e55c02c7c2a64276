namespace Gen;

/// <summary>A set of <see cref="Event"/>s, one bit per event.</summary>
[System.Flags]
public enum EventMask : uint
{
    None = 0,
    All = (1u << EventInfo.Count) - 1,
}
