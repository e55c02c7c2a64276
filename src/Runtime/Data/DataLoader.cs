using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's DataLoader: batches of in-memory tensors (inputs and targets, one or several each, first dimension =
/// samples) or of a TorchSharp <c>torch.utils.data.Dataset</c>, optionally shuffled and without the last partial
/// batch. A shuffled loader's order in an epoch is a function of its seed and the epoch (<see cref="StartPass(int)"/>).
/// The Learner takes batches through a <see cref="Pass"/>, which prepares the next ones on a worker thread;
/// <see cref="Batch"/> makes one on the caller's thread. Shuffled full batches of CPU tensors are gathered into
/// buffers reused every three batches: clone a batch's tensors to keep them.
/// </summary>
public sealed class DataLoader : IDisposable
{
    private readonly ISampleSource _source;
    private long[]? _order;

    /// <summary>A loader over one input tensor <paramref name="x"/> and one target tensor <paramref name="y"/>.</summary>
    public DataLoader(Tensor x, Tensor y, int batchSize, bool shuffle = false, bool dropLast = false, long seed = 0)
        : this([x ?? throw new ArgumentNullException(nameof(x))], [y ?? throw new ArgumentNullException(nameof(y))], batchSize, shuffle, dropLast, seed) { }

    /// <summary>A loader over several inputs <paramref name="xs"/> (a model with several inputs) and targets <paramref name="ys"/> (possibly none).</summary>
    public DataLoader(IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> ys, int batchSize, bool shuffle = false, bool dropLast = false, long seed = 0)
        : this(TensorsSource(xs, ys, batchSize), batchSize, shuffle, dropLast, seed) { }

    /// <summary>
    /// A loader over a TorchSharp dataset (what <c>torch.utils.data</c> users have): each item's tensors under
    /// <paramref name="inputs"/> become the model's inputs and those under <paramref name="targets"/> the targets
    /// (TorchSharp's MNIST and CIFAR datasets use "data" and "label").
    /// </summary>
    public DataLoader(utils.data.Dataset dataset, int batchSize, bool shuffle = false, bool dropLast = false, long seed = 0,
                      string[]? inputs = null, string[]? targets = null)
        : this(new DatasetSource(dataset ?? throw new ArgumentNullException(nameof(dataset)), inputs ?? ["data"], targets ?? ["label"]), batchSize, shuffle, dropLast, seed) { }

    private DataLoader(ISampleSource source, int batchSize, bool shuffle, bool dropLast, long seed)
    {
        if (source.Count == 0)
            throw new ArgumentException("The dataset is empty (0 samples); a DataLoader needs at least one sample.");
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (dropLast && source.Count < batchSize)
            throw new ArgumentException($"dropLast with batchSize {batchSize} leaves no batch of the {source.Count} samples; lower batchSize or set dropLast: false.");
        _source = source;
        (BatchSize, Shuffle, DropLast, Seed, Length) = (batchSize, shuffle, dropLast, seed, source.Count);
    }

    /// <summary>Samples per batch (fastai's <c>bs</c>); the last batch has fewer when they do not divide evenly and <see cref="DropLast"/> is false.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each pass takes the samples in an order drawn from <see cref="Seed"/> and the epoch (fastai's <c>shuffle</c>); otherwise in order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether the last partial batch is left out (fastai's <c>drop_last</c>).</summary>
    public bool DropLast { get; }

    /// <summary>The seed of the shuffled order (with the epoch).</summary>
    public long Seed { get; }

    /// <summary>Number of samples.</summary>
    public long Length { get; }

    /// <summary>Number of batches per pass (fastai's <c>len(dl)</c>).</summary>
    public int Count => (int)(DropLast ? Length / BatchSize : (Length + BatchSize - 1) / BatchSize);

    /// <summary>
    /// Whether <see cref="Pass"/> prepares batches on a worker thread while the current one trains (default true). In-order
    /// batches of tensors are views, which cost less than handing them over, so those are made on the training thread.
    /// </summary>
    public bool Prefetch { get; set; } = true;

    private int _passes;
    private BatchPass? _activePass;

    /// <summary>Starts the pass of <paramref name="epoch"/>: a shuffled loader draws that epoch's order from its seed.</summary>
    public void StartPass(int epoch)
    {
        ThrowIfPassRunning();
        if (!Shuffle) return;
        EpochOrder.Shuffle(_order ??= new long[Length], Seed, epoch);
    }

    /// <summary>
    /// The sample indices of <paramref name="epoch"/>'s pass in batch order (fastai's <c>get_idxs</c>): the shuffled
    /// order a fit sees in that epoch, or 0..Length-1; batch b holds entries b*BatchSize onwards. A new array each call.
    /// </summary>
    public long[] GetIdxs(int epoch)
    {
        var order = new long[Length];
        if (Shuffle) EpochOrder.Shuffle(order, Seed, epoch);
        else for (int i = 0; i < order.Length; i++) order[i] = i;
        return order;
    }

    /// <summary>Starts the next pass (0, 1, 2, ... for this loader).</summary>
    public void StartPass() => StartPass(_passes++);

    /// <summary>
    /// The pass of <paramref name="epoch"/> for a loop that takes batch 0, 1, ... in order (prefetched when <see cref="Prefetch"/>),
    /// its batches moved to <paramref name="device"/> when given (the Learner passes its model's), on the worker when there is one.
    /// </summary>
    public BatchPass Pass(int epoch, Device? device = null)
    {
        StartPass(epoch);
        bool moves = device is not null && _source.Device is var from && (from.type != device.type || from.index != device.index);
        return new BatchPass(this, Prefetch && (moves || Shuffle || !_source.InOrderIsFree), moves ? device : null);
    }

    /// <summary>Batch <paramref name="index"/> of the current pass, made on the caller's thread.</summary>
    public Batch Batch(int index)
    {
        ThrowIfPassRunning();
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"This loader has {Count} batches.");
        return MakeBatch(index);
    }

    internal void BeginPass(BatchPass pass)
    {
        ThrowIfPassRunning();
        _activePass = pass;
    }

    internal void EndPass(BatchPass pass)
    {
        if (_activePass == pass) _activePass = null;
    }

    // A pass's worker reads the order and writes the buffers: nothing else may touch them meanwhile.
    private void ThrowIfPassRunning()
    {
        if (_activePass is not null)
            throw new InvalidOperationException("This loader is in the middle of a pass (a fit is using it); make batches from it after the fit, or from another loader over the same data.");
    }

    internal Batch MakeBatch(int index)
    {
        long start = (long)index * BatchSize;
        int n = (int)Math.Min(BatchSize, Length - start);
        if (!Shuffle) return _source.Range(start, n);
        if (_order is null) StartPass();
        return _source.Gather(_order.AsSpan((int)start, n), slot: index % (BatchPass.Ahead + 1));
    }

    /// <summary>
    /// Batch <paramref name="index"/> on <paramref name="device"/> (the copies replace the batch, which is disposed). To a
    /// GPU the copy starts from page-locked memory, so it runs asynchronously (PyTorch's pin_memory).
    /// </summary>
    internal Batch MakeBatch(int index, Device device)
    {
        var batch = MakeBatch(index);
        bool pin = device.type == TorchSharp.DeviceType.CUDA;
        var moved = new Batch(batch.Xs.Select(t => MoveTo(t, device, pin)).ToArray(), batch.Ys.Select(t => MoveTo(t, device, pin)).ToArray());
        foreach (var t in batch.Xs.Concat(batch.Ys)) t.Dispose();
        return moved;
    }

    private static Tensor MoveTo(Tensor t, Device device, bool pin)
    {
        if (!pin) return t.to(device, non_blocking: true);
        using var pinned = t.pin_memory();
        return pinned.to(device, non_blocking: true);
    }

    private static TensorSource TensorsSource(IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> ys, int batchSize)
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
        return new TensorSource(xs, ys, batchSize);
    }

    /// <summary>Disposes the buffers that shuffled batches are gathered into (not the tensors or dataset it loads from). Throws while a pass is running.</summary>
    public void Dispose()
    {
        ThrowIfPassRunning();
        _source.Dispose();
    }
}
