using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Samples held in tensors (first dimension = samples). In-order batches are views; shuffled full batches of
/// contiguous CPU tensors are copied row by row into buffers reused from pass to pass (no native allocation per
/// batch), the rest gathered with index_select.
/// </summary>
internal sealed class TensorSource : ISampleSource
{
    private readonly Tensor[] _xs, _ys;
    private readonly int _batchSize;
    private readonly Dictionary<int, Tensor[]> _buffers = [];
    private readonly bool _copiesRows;   // every tensor a contiguous CPU one (asked once: each is a native call)

    public TensorSource(IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> ys, int batchSize)
    {
        (_xs, _ys, _batchSize) = (xs.ToArray(), ys.ToArray(), batchSize);
        Count = _xs[0].shape[0];
        _copiesRows = _xs.Concat(_ys).All(t => t.device_type == DeviceType.CPU && t.is_contiguous());
    }

    /// <inheritdoc/>
    public bool InOrderIsFree => true;

    /// <inheritdoc/>
    public Device Device => _xs[0].device;

    public long Count { get; }

    public Batch Range(long start, int count) => new(Slice(_xs, start, count), Slice(_ys, start, count));

    public Batch Gather(ReadOnlySpan<long> indices, int slot)
    {
        if (indices.Length == _batchSize && _copiesRows)
        {
            var buffers = Buffers(slot);
            Tensor[] xs = new Tensor[_xs.Length], ys = new Tensor[_ys.Length];
            for (int k = 0; k < buffers.Length; k++)
            {
                CopyRows(k < xs.Length ? _xs[k] : _ys[k - xs.Length], indices, buffers[k]);
                var view = buffers[k].alias();   // a fresh handle on the kept storage, which its owner may dispose
                if (k < xs.Length) xs[k] = view; else ys[k - xs.Length] = view;
            }
            return new Batch(xs, ys);
        }
        using var scope = NewDisposeScope();   // frees what is made if one gather throws; the batch leaves it
        var idx = tensor(indices.ToArray(), device: _xs[0].device);
        var batch = new Batch(_xs.Select(t => t.index_select(0, idx)).ToArray(), _ys.Select(t => t.index_select(0, idx)).ToArray());
        foreach (var t in batch.Xs.Concat(batch.Ys)) t.DetachFromDisposeScope();
        return batch;
    }

    /// <summary>The buffers of <paramref name="slot"/>: one per tensor, a full batch each, made at first use and kept out of every dispose scope.</summary>
    private Tensor[] Buffers(int slot)
    {
        if (_buffers.TryGetValue(slot, out var buffers)) return buffers;
        buffers = _xs.Concat(_ys).Select(t => empty([_batchSize, .. t.shape[1..]], t.dtype, t.device).DetachFromDisposeScope()).ToArray();
        _buffers[slot] = buffers;
        return buffers;
    }

    private static unsafe void CopyRows(Tensor source, ReadOnlySpan<long> indices, Tensor into)
    {
        long rowBytes = source.NumberOfElements / source.shape[0] * source.ElementSize;
        byte* from = (byte*)NativeGrad.Data(source.Handle), to = (byte*)NativeGrad.Data(into.Handle);
        for (int j = 0; j < indices.Length; j++)
            Buffer.MemoryCopy(from + indices[j] * rowBytes, to + j * rowBytes, rowBytes, rowBytes);
    }

    private static Tensor[] Slice(Tensor[] tensors, long start, int count)
    {
        var batch = new Tensor[tensors.Length];
        for (int k = 0; k < tensors.Length; k++) batch[k] = tensors[k].narrow(0, start, count);
        return batch;
    }

    public void Dispose()
    {
        foreach (var t in _buffers.Values.SelectMany(b => b)) t.Dispose();
        _buffers.Clear();
    }
}
