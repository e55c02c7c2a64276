using System;

namespace Gen;

/// <summary>A checkpoint that cannot be written or loaded: the message names what does not match and what to do.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>A checkpoint error described by <paramref name="message"/>.</summary>
    public CheckpointException(string message) : base(message) { }
    /// <summary>A checkpoint error described by <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
