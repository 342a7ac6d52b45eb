namespace MiniNetFgsm.Tests;

public class ParallelismTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(3, 7)]
    [InlineData(4, 1001)]
    public void ForRanges_CoversEveryIndexOnceInContiguousRanges(int threads, int count)
    {
        int[] hits = new int[count];
        var ranges = new System.Collections.Concurrent.ConcurrentBag<(int First, int Last)>();
        Parallelism.ForRanges(count, threads, (hits, ranges), static (s, first, last) =>
        {
            s.ranges.Add((first, last));
            for (int i = first; i < last; i++)
            {
                Interlocked.Increment(ref s.hits[i]);
            }
        });

        Assert.All(hits, h => Assert.Equal(1, h));
        Assert.Equal(Math.Min(threads, count), ranges.Count);
    }

    [Fact]
    public void ForRanges_NestedCallFromARange_RunsSeriallyOnThatThread()
    {
        int[] inner = new int[2 * 10];
        Parallelism.ForRanges(2, 2, inner, static (outer, first, last) =>
        {
            int thread = Environment.CurrentManagedThreadId;
            Parallelism.ForRanges(10, 2, (outer, first, thread), static (s, a, b) =>
            {
                for (int i = a; i < b; i++)
                {
                    s.outer[s.first * 10 + i] = Environment.CurrentManagedThreadId == s.thread ? 1 : -1;
                }
            });
        });

        Assert.All(inner, v => Assert.Equal(1, v));
    }

    [Fact]
    public void ForRanges_OnTwoThreadsOnceWarm_AllocatesNothingOnTheCallingThread()
    {
        float[] data = new float[1 << 16];
        static void Body(float[] d, int first, int last) => d.AsSpan(first, last - first).Fill(1f);
        long allocated = Allocations.LeastAfterWarmUp(() => Parallelism.ForRanges(data.Length, 2, data, Body), calls: 20);

        Assert.Equal(0, allocated);
        Assert.All(data, v => Assert.Equal(1f, v));
    }
}
