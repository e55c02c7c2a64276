using System;
using static TorchSharp.torch;

namespace Gen;

/// <summary>Where a <see cref="DataLoader"/>'s samples come from: in-memory tensors or a TorchSharp dataset.</summary>
internal interface ISampleSource : IDisposable
{
    /// <summary>Number of samples.</summary>
    long Count { get; }

    /// <summary>Where the batches are made (the device of the samples' tensors; the CPU for a dataset's items).</summary>
    Device Device { get; }

    /// <summary>Whether in-order batches cost nearly nothing (views), so a worker would only add a hand-over.</summary>
    bool InOrderIsFree { get; }

    /// <summary>The samples <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1, in order.</summary>
    Batch Range(long start, int count);

    /// <summary>The samples at <paramref name="indices"/>; <paramref name="slot"/> names a buffer the caller will not read again until it asks for the same slot.</summary>
    Batch Gather(ReadOnlySpan<long> indices, int slot);
}
