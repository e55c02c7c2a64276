using System;

namespace Gen;

/// <summary>A checkpoint that cannot be written or loaded: the message names what does not match and what to do.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message) : base(message) { }
    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
