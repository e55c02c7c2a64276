using System;
using System.Threading;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// One pass over a <see cref="DataLoader"/> for the Learner: batch i is asked for in order with <see cref="Take"/>.
/// With prefetching a worker thread prepares up to <see cref="Ahead"/> batches while the current one trains; its
/// exceptions surface in <see cref="Take"/> with the batch index. The pass owns the batches it hands out: each is
/// disposed when the next is taken, and <see cref="Dispose"/> stops and joins the worker, so none outlives the pass.
/// </summary>
public sealed class BatchPass : IDisposable
{
    /// <summary>How many batches the worker prepares ahead of the one in use.</summary>
    public const int Ahead = 2;

    private readonly DataLoader _dl;
    private readonly Batch[] _ready = new Batch[Ahead + 1];
    // Ahead + 1 permits: the batch in use and the Ahead after it; batch i + 3 is made once Take(i + 1) has freed batch i.
    private readonly SemaphoreSlim _free = new(Ahead + 1), _filled = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread? _worker;
    private Exception? _error;
    private int _errorAt = -1, _next;
    private Batch? _inUse;
    private bool _disposed;

    /// <summary>Worker threads running now (for tests: none may outlive its pass).</summary>
    internal static int LiveWorkers;

    /// <summary>Tensors made on worker threads so far; TorchSharp counts live tensors per thread, and the training thread disposes these.</summary>
    internal static long TensorsMadeByWorkers;

    private readonly Device? _device;

    internal BatchPass(DataLoader dl, bool prefetch, Device? device)
    {
        (_dl, _device) = (dl, device);
        dl.BeginPass(this);
        if (!prefetch || dl.Count == 0) return;
        _worker = new Thread(Produce) { IsBackground = true, Name = "Gen DataLoader worker" };
        Interlocked.Increment(ref LiveWorkers);
        _worker.Start();
    }

    /// <summary>Batch <paramref name="index"/> (the next one in order); the previous batch is disposed.</summary>
    public Batch Take(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed || _stop.IsCancellationRequested, this);
        if (_error is not null) throw Failed(_errorAt, _error);   // a failed pass stays failed
        if (index != _next || index >= _dl.Count)
            throw new InvalidOperationException($"A pass hands out batches 0 to {_dl.Count - 1} in order: batch {_next} is next, not {index}.");
        Release(_inUse);
        _inUse = null;
        if (_worker is null) return (_inUse = Make(index)).Value;
        if (index > 0) _free.Release();   // the previous batch's slot is free again
        try { _filled.Wait(_stop.Token); }
        catch (OperationCanceledException) { throw new ObjectDisposedException(nameof(BatchPass), "The pass was stopped (its Learner was disposed)."); }
        if (_errorAt == index) throw Failed(index, _error!);
        _next++;
        return (_inUse = _ready[index % _ready.Length]).Value;
    }

    /// <summary>Asks the worker to stop, from any thread; the pass's owner still disposes it. Take then throws.</summary>
    public void Stop() => _stop.Cancel();

    private Batch Make(int index)
    {
        try { return MakeOne(index); }
        catch (Exception e)
        {
            (_error, _errorAt) = (e, index);
            throw Failed(index, e);
        }
        finally { _next = index + 1; }
    }

    private void Produce()
    {
        try
        {
            for (int i = 0; i < _dl.Count; i++)
            {
                _free.Wait(_stop.Token);
                try
                {
                    var batch = _ready[i % _ready.Length] = MakeOne(i);
                    Interlocked.Add(ref TensorsMadeByWorkers, batch.Xs.Length + batch.Ys.Length);
                }
                catch (Exception e) { (_error, _errorAt) = (e, i); _filled.Release(); return; }
                _filled.Release();
            }
        }
        catch (OperationCanceledException) { }   // the pass ended early
        finally { Interlocked.Decrement(ref LiveWorkers); }
    }

    private Batch MakeOne(int index) => _device is null ? _dl.MakeBatch(index) : _dl.MakeBatch(index, _device);

    private DataLoaderException Failed(int index, Exception e) =>
        new($"Batch {index} of {_dl.Count} could not be made: {e.Message}", index, e);

    private static void Release(Batch? batch)
    {
        if (batch is not { } b) return;
        foreach (var t in b.Xs) t.Dispose();
        foreach (var t in b.Ys) t.Dispose();
    }

    /// <summary>Stops the worker, waits for it, and disposes the batches it made. Call it on the thread that takes the batches (<see cref="Stop"/> from others).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _dl.EndPass(this);
        _stop.Cancel();
        _worker?.Join();
        Release(_inUse);
        foreach (var batch in _ready) if (batch.Xs is not null) Release(batch);   // disposing twice is harmless
        _stop.Dispose();
        _free.Dispose();
        _filled.Dispose();
    }
}
