using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Batches of an in-memory dataset (inputs and targets: one or several tensors each, first dimension = samples),
/// optionally shuffled each pass with a seeded generator. Batches are made on demand by
/// <see cref="Batch"/>, so they belong to the caller's dispose scope.
/// </summary>
public sealed class DataLoader : IDisposable
{
    private readonly Tensor[] _xs, _ys;
    private readonly Generator? _generator;
    private Tensor? _permutation;

    /// <summary>A loader over one input tensor <paramref name="x"/> and one target tensor <paramref name="y"/>.</summary>
    public DataLoader(Tensor x, Tensor y, int batchSize, bool shuffle = false, bool dropLast = false, long seed = 0)
        : this([x ?? throw new ArgumentNullException(nameof(x))], [y ?? throw new ArgumentNullException(nameof(y))], batchSize, shuffle, dropLast, seed) { }

    /// <summary>A loader over several inputs <paramref name="xs"/> (a model with several inputs) and targets <paramref name="ys"/> (possibly none).</summary>
    public DataLoader(IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> ys, int batchSize, bool shuffle = false, bool dropLast = false, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(ys);
        if (xs.Count == 0) throw new ArgumentException("A DataLoader needs at least one input tensor.", nameof(xs));
        var all = xs.Concat(ys).ToList();
        if (all.Any(t => t is null)) throw new ArgumentNullException(nameof(xs), "An input or target tensor is null.");
        if (all.Any(t => t.dim() == 0))
            throw new ArgumentException($"Inputs and targets need a first (sample) dimension; got shapes {string.Join(" and ", all.Select(t => $"[{string.Join(",", t.shape)}]"))}.");
        long samples = xs[0].shape[0];
        int odd = all.FindIndex(t => t.shape[0] != samples);
        if (odd >= 0)
        {
            string Name(int k) => k < xs.Count ? (xs.Count == 1 ? "x" : $"x[{k}]") : (ys.Count == 1 ? "y" : $"y[{k - xs.Count}]");
            throw new ArgumentException($"{Name(0)} has {samples} samples but {Name(odd)} has {all[odd].shape[0]}; inputs and targets need the same first dimension.");
        }
        if (samples == 0)
            throw new ArgumentException("The dataset is empty (0 samples); a DataLoader needs at least one sample.");
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (dropLast && samples < batchSize)
            throw new ArgumentException($"dropLast with batchSize {batchSize} leaves no batch of the {samples} samples; lower batchSize or set dropLast: false.");
        (_xs, _ys) = (xs.ToArray(), ys.ToArray());
        (BatchSize, Shuffle, DropLast) = (batchSize, shuffle, dropLast);
        if (shuffle) _generator = new Generator((ulong)seed, _xs[0].device);
        Length = samples;
    }

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }

    /// <summary>Number of samples.</summary>
    public long Length { get; }

    /// <summary>Number of batches per pass (fastai's <c>len(dl)</c>).</summary>
    public int Count => (int)(DropLast ? Length / BatchSize : (Length + BatchSize - 1) / BatchSize);

    /// <summary>Starts a pass: draws a new permutation when shuffling.</summary>
    public void StartPass()
    {
        if (!Shuffle) return;
        _permutation?.Dispose();
        _permutation = randperm(Length, generator: _generator, device: _xs[0].device).DetachFromDisposeScope();
    }

    /// <summary>Batch <paramref name="index"/> of the current pass.</summary>
    public Batch Batch(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"This loader has {Count} batches.");
        long start = (long)index * BatchSize, n = Math.Min(BatchSize, Length - start);
        if (!Shuffle) return new Batch(Slice(_xs, start, n), Slice(_ys, start, n));
        if (_permutation is null) StartPass();
        using var idx = _permutation!.narrow(0, start, n);
        return new Batch(Gather(_xs, idx), Gather(_ys, idx));
    }

    private static Tensor[] Slice(Tensor[] tensors, long start, long n)
    {
        var batch = new Tensor[tensors.Length];
        for (int k = 0; k < tensors.Length; k++) batch[k] = tensors[k].narrow(0, start, n);
        return batch;
    }

    private static Tensor[] Gather(Tensor[] tensors, Tensor idx)
    {
        var batch = new Tensor[tensors.Length];
        for (int k = 0; k < tensors.Length; k++) batch[k] = tensors[k].index_select(0, idx);
        return batch;
    }

    public void Dispose()
    {
        _permutation?.Dispose();
        _generator?.Dispose();
    }
}
