using System;
using System.ComponentModel;

namespace Gen.Internals;

/// <summary>
/// An element loop that <see cref="ParallelChunks"/> can split across cores: a generated kernel fills one
/// (reused, so a step allocates nothing) with its buffers' addresses and its hoisted per-tensor values,
/// then each chunk runs the same loop over its own range of elements.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class ChunkWork
{
    /// <summary>Runs the loop over elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>).</summary>
    public abstract void RunChunk(int start, int length);

    /// <summary>The address of a buffer's first element, for <see cref="Elements{T}"/> on another thread.</summary>
    public static unsafe nint AddressOf<T>(Span<T> elements) where T : unmanaged
    {
        fixed (T* pointer = elements) return (nint)pointer;
    }

    /// <summary>Elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of the buffer at <paramref name="address"/>.</summary>
    public static unsafe Span<T> Elements<T>(nint address, long start, int length) where T : unmanaged =>
        new((T*)address + start, length);
}
