using System;
using System.Linq;
using System.Threading;
using Xunit;
using Gen.Internals;

namespace Gen.Runtime.Tests;

public class ParallelChunksTests
{
    /// <summary>Counts how often each element is visited.</summary>
    private sealed class CountingWork(int length) : ChunkWork
    {
        public readonly int[] Visits = new int[length];

        public override void RunChunk(int start, int length)
        {
            for (int j = start; j < start + length; j++) Interlocked.Increment(ref Visits[j]);
        }
    }

    private sealed class FailingWork : ChunkWork
    {
        public override void RunChunk(int start, int length) => throw new InvalidOperationException($"chunk at {start}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ParallelChunks.MinLength - 1)]
    [InlineData(ParallelChunks.MinLength)]
    [InlineData(ParallelChunks.MinLength + 1)]
    [InlineData(10 * ParallelChunks.ChunkLength + 3)]
    public void Every_element_is_visited_exactly_once(int length)
    {
        var work = new CountingWork(length);
        ParallelChunks.Run(work, length);
        Assert.All(work.Visits, v => Assert.Equal(1, v));
    }

    [Fact]
    public void A_failing_chunk_surfaces_on_the_caller_and_later_runs_still_work()
    {
        var error = Assert.ThrowsAny<Exception>(() => ParallelChunks.Run(new FailingWork(), 8 * ParallelChunks.ChunkLength));
        Assert.Contains("chunk at", error is AggregateException a ? a.InnerException!.Message : error.Message);
        var work = new CountingWork(8 * ParallelChunks.ChunkLength);
        ParallelChunks.Run(work, work.Visits.Length);
        Assert.Equal(work.Visits.Length, work.Visits.Sum());
    }

    [Fact]
    public void Back_to_back_loops_of_different_lengths_each_visit_their_own_elements_once()
    {
        var works = new[] { new CountingWork(5 * ParallelChunks.ChunkLength + 7), new CountingWork(9 * ParallelChunks.ChunkLength) };
        for (int r = 0; r < 500; r++) ParallelChunks.Run(works[r % 2], works[r % 2].Visits.Length);
        Assert.All(works, w => Assert.All(w.Visits, v => Assert.Equal(250, v)));
    }

    [Theory]
    [InlineData(int.MaxValue - 2u)]   // through the number's top bit
    [InlineData(uint.MaxValue - 2)]   // through zero
    public void Loop_numbers_wrap_around_without_losing_a_chunk(uint start)
    {
        var work = new CountingWork(6 * ParallelChunks.ChunkLength);
        ParallelChunks.SetLoopNumber(start);
        for (int r = 0; r < 5; r++) ParallelChunks.Run(work, work.Visits.Length);
        Assert.All(work.Visits, v => Assert.Equal(5, v));
    }
}
