using System;
using System.ComponentModel;
using System.Threading;

namespace Gen.Internals;

/// <summary>
/// Splits a large element loop into chunks run by the calling thread and one worker per other core. The
/// workers are started once and wait between steps, and the work object is reused, so a step allocates
/// nothing (Parallel.For allocates on every call). Loops shorter than <see cref="MinLength"/> run inline:
/// below that, waking a worker costs more than it saves.
/// </summary>
/// <remarks>
/// The caller waits only for chunks a worker has claimed, never for a worker to wake: right after libtorch
/// ran a forward or backward pass its OpenMP threads spin on every core, and a worker may wake late. A late
/// worker finds the chunks taken (or a later loop's chunks, which it then helps with): a claim names the loop
/// it belongs to, and each loop's description sits in one of two slots, stamped with the loop's number
/// (written like a sequence lock), so a claim is never run against another loop's buffers.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ParallelChunks
{
    /// <summary>Elements per chunk: a multiple of every SIMD width, large enough to amortise claiming it.</summary>
    public const int ChunkLength = 1 << 15;

    /// <summary>The smallest loop worth splitting.</summary>
    public const int MinLength = 4 * ChunkLength;

    private sealed class Loop
    {
        public long Number;   // the loop's number (a uint), or -1 while the slot is rewritten
        public ChunkWork? Work;
        public int Length, Chunks, Done;
        public Exception? Failure;
    }

    private static readonly Lock Gate = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly Loop[] Loops = [new(), new()];
    private static readonly int Workers = StartWorkers(Environment.ProcessorCount - 1);

    /// <summary>The current loop's number (high 32 bits, unsigned: it wraps) and the number of its chunks claimed so far (low 32 bits).</summary>
    private static long _claims;

    /// <summary>Runs <paramref name="work"/> over <paramref name="length"/> elements, split across cores when it is long enough.</summary>
    public static void Run(ChunkWork work, int length)
    {
        int chunks = (int)(((long)length + ChunkLength - 1) / ChunkLength);
        int helpers = Math.Min(Workers, chunks - 1);
        if (length < MinLength || helpers <= 0) { work.RunChunk(0, length); return; }
        lock (Gate)
        {
            uint number = LoopNumber(_claims) + 1;
            var loop = Loops[number & 1];
            Interlocked.Exchange(ref loop.Number, -1);
            (loop.Work, loop.Length, loop.Chunks, loop.Done, loop.Failure) = (work, length, chunks, 0, null);
            Volatile.Write(ref loop.Number, number);
            Interlocked.Exchange(ref _claims, (long)number << 32);   // publishes the loop: claims from here on are its chunks
            Wake.Release(helpers);
            RunChunks();
            // What is left is a chunk a worker is running: spin and yield, but never sleep a whole millisecond.
            var spin = new SpinWait();
            while (Volatile.Read(ref loop.Done) < chunks) spin.SpinOnce(sleep1Threshold: -1);
            loop.Work = null;
            if (loop.Failure is { } failure) throw new AggregateException("A chunk of a parallel optimizer kernel failed.", failure);
        }
    }

    /// <summary>Claims and runs chunks until the current loop has none left.</summary>
    private static void RunChunks()
    {
        while (true)
        {
            long claim = Interlocked.Increment(ref _claims);
            uint number = LoopNumber(claim);
            int chunk = (int)(claim & uint.MaxValue) - 1;
            var loop = Loops[number & 1];
            var (work, length, chunks) = (loop.Work, loop.Length, loop.Chunks);
            Interlocked.MemoryBarrier();
            // A worker that stalled past this loop holds a claim on an older one, whose slot may be rewritten since.
            if (Volatile.Read(ref loop.Number) != number || chunk >= chunks) return;
            int start = chunk * ChunkLength;
            try { work!.RunChunk(start, Math.Min(ChunkLength, length - start)); }
            catch (Exception e) { Interlocked.CompareExchange(ref loop.Failure, e, null); }
            Interlocked.Increment(ref loop.Done);
        }
    }

    private static uint LoopNumber(long claims) => (uint)(claims >> 32);

    /// <summary>For tests: the next loop gets number <paramref name="number"/> + 1 (to reach the point where the numbers wrap).</summary>
    internal static void SetLoopNumber(uint number)
    {
        lock (Gate) Interlocked.Exchange(ref _claims, (long)number << 32);
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
            RunChunks();
        }
    }
}
