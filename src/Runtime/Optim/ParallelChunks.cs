using System;
using System.ComponentModel;
using System.Threading;

namespace Gen;

/// <summary>
/// Splits a large element loop into chunks run by the calling thread and one worker per other core. The
/// workers are started once and wait between steps, and the work object is reused, so a step allocates
/// nothing (Parallel.For allocates on every call). Loops shorter than <see cref="MinLength"/> run inline:
/// below that, waking a worker costs more than it saves.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ParallelChunks
{
    /// <summary>Elements per chunk: a multiple of every SIMD width, large enough to amortise claiming it.</summary>
    public const int ChunkLength = 1 << 15;

    /// <summary>The smallest loop worth splitting.</summary>
    public const int MinLength = 4 * ChunkLength;

    private static readonly Lock Gate = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly ManualResetEventSlim AllDone = new(false, spinCount: 2000);
    private static readonly int Workers = StartWorkers(Environment.ProcessorCount - 1);

    private static ChunkWork? _work;
    private static int _length, _chunks, _nextChunk, _running;
    private static Exception? _failure;

    /// <summary>Runs <paramref name="work"/> over <paramref name="length"/> elements, split across cores when it is long enough.</summary>
    public static void Run(ChunkWork work, int length)
    {
        int chunks = (length + ChunkLength - 1) / ChunkLength;
        int helpers = Math.Min(Workers, chunks - 1);
        if (length < MinLength || helpers <= 0) { work.RunChunk(0, length); return; }
        lock (Gate)
        {
            (_work, _length, _chunks, _nextChunk, _running, _failure) = (work, length, chunks, 0, helpers, null);
            AllDone.Reset();
            Wake.Release(helpers);
            try { RunChunks(); }
            finally
            {
                AllDone.Wait();
                _work = null;
            }
            if (_failure is { } failure) throw new AggregateException("A chunk of a parallel optimizer kernel failed.", failure);
        }
    }

    /// <summary>Claims and runs chunks until none are left.</summary>
    private static void RunChunks()
    {
        var work = _work!;
        for (int chunk; (chunk = Interlocked.Increment(ref _nextChunk) - 1) < _chunks;)
        {
            int start = chunk * ChunkLength;
            work.RunChunk(start, Math.Min(ChunkLength, _length - start));
        }
    }

    private static int StartWorkers(int count)
    {
        for (int k = 0; k < count; k++) new Thread(WorkerLoop) { IsBackground = true, Name = $"Gen kernel worker {k}" }.Start();
        return Math.Max(0, count);
    }

    private static void WorkerLoop()
    {
        while (true)
        {
            Wake.Wait();
            try { RunChunks(); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            if (Interlocked.Decrement(ref _running) == 0) AllDone.Set();
        }
    }
}
