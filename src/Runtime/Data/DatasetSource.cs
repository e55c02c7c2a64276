using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Samples from a TorchSharp <c>torch.utils.data.Dataset</c>: each item is a dictionary of tensors; the loader's
/// input and target keys pick which, and a batch stacks each key's tensors along a new first dimension.
/// </summary>
internal sealed class DatasetSource(utils.data.Dataset dataset, string[] inputs, string[] targets) : ISampleSource
{
    public long Count { get; } = dataset.Count;

    /// <inheritdoc/>
    public bool InOrderIsFree => false;   // every batch reads and stacks items

    /// <inheritdoc/>
    public Device Device => CPU;

    public Batch Range(long start, int count)
    {
        Span<long> indices = count <= 1024 ? stackalloc long[count] : new long[count];
        for (int j = 0; j < count; j++) indices[j] = start + j;
        return Gather(indices, slot: 0);
    }

    // The scope frees what GetTensor and stack made (on this thread), never tensors the dataset keeps; the batch leaves it.
    public Batch Gather(ReadOnlySpan<long> indices, int slot)
    {
        using var scope = NewDisposeScope();
        var items = new Dictionary<string, Tensor>[indices.Length];
        for (int j = 0; j < indices.Length; j++) items[j] = dataset.GetTensor(indices[j]);
        var xs = inputs.Select(key => Stack(items, key)).ToArray();
        var ys = targets.Select(key => Stack(items, key)).ToArray();
        foreach (var t in xs.Concat(ys)) t.DetachFromDisposeScope();
        return new Batch(xs, ys);
    }

    private static Tensor Stack(Dictionary<string, Tensor>[] items, string key)
    {
        var parts = items.Select(item => item.TryGetValue(key, out var t) ? t
            : throw new KeyNotFoundException($"A dataset item has no '{key}' (it has: {string.Join(", ", item.Keys)}); pass the keys of its inputs and targets to the DataLoader.")).ToArray();
        return stack(parts);
    }

    public void Dispose() { }
}
