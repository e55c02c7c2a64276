using System;

namespace Gen;

/// <summary>A batch could not be made: names the batch, the loader and the cause (as the inner exception).</summary>
public sealed class DataLoaderException(string message, int batch, Exception inner) : Exception(message, inner)
{
    /// <summary>The index of the batch, within its pass.</summary>
    public int Batch { get; } = batch;
}
