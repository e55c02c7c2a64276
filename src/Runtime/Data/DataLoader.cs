using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Batches of an in-memory dataset (inputs <c>x</c> and targets <c>y</c>, first dimension = samples),
/// optionally shuffled each pass with a seeded generator. Batches are made on demand by
/// <see cref="Batch"/>, so they belong to the caller's dispose scope.
/// </summary>
public sealed class DataLoader : IDisposable
{
    private readonly Tensor _x, _y;
    private readonly Generator? _generator;
    private Tensor? _permutation;

    public DataLoader(Tensor x, Tensor y, int batchSize, bool shuffle = false, bool dropLast = false, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.dim() == 0 || y.dim() == 0)
            throw new ArgumentException($"x and y need a first (sample) dimension; got shapes [{string.Join(",", x.shape)}] and [{string.Join(",", y.shape)}].");
        if (x.shape[0] != y.shape[0])
            throw new ArgumentException($"x has {x.shape[0]} samples but y has {y.shape[0]}; both need the same first dimension.");
        if (x.shape[0] == 0)
            throw new ArgumentException("The dataset is empty (0 samples); a DataLoader needs at least one sample.");
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (dropLast && x.shape[0] < batchSize)
            throw new ArgumentException($"dropLast with batchSize {batchSize} leaves no batch of the {x.shape[0]} samples; lower batchSize or set dropLast: false.");
        (_x, _y) = (x, y);
        (BatchSize, Shuffle, DropLast) = (batchSize, shuffle, dropLast);
        if (shuffle) _generator = new Generator((ulong)seed, x.device);
        Length = x.shape[0];
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
        _permutation = randperm(Length, generator: _generator, device: _x.device).DetachFromDisposeScope();
    }

    /// <summary>Batch <paramref name="index"/> of the current pass.</summary>
    public (Tensor X, Tensor Y) Batch(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"This loader has {Count} batches.");
        long start = (long)index * BatchSize, n = Math.Min(BatchSize, Length - start);
        if (!Shuffle) return (_x.narrow(0, start, n), _y.narrow(0, start, n));
        if (_permutation is null) StartPass();
        using var idx = _permutation!.narrow(0, start, n);
        return (_x.index_select(0, idx), _y.index_select(0, idx));
    }

    public void Dispose()
    {
        _permutation?.Dispose();
        _generator?.Dispose();
    }
}
