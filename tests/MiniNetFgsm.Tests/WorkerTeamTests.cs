namespace MiniNetFgsm.Tests;

public class WorkerTeamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Run_EveryPartOncePerCall_EachPartAlwaysOnTheSameThread(int parts)
    {
        using var team = new WorkerTeam(parts);
        int caller = Environment.CurrentManagedThreadId;
        int[] threadOf = new int[parts];
        for (int call = 0; call < 50; call++)
        {
            int[] runs = new int[parts];
            int[] thread = new int[parts];
            team.Run(p =>
            {
                Interlocked.Increment(ref runs[p]);
                thread[p] = Environment.CurrentManagedThreadId;
            });

            Assert.All(runs, count => Assert.Equal(1, count));
            Assert.Equal(caller, thread[0]);
            if (call == 0)
            {
                thread.CopyTo(threadOf, 0);
                Assert.Equal(parts, threadOf.Distinct().Count());
            }
            else
            {
                Assert.Equal(threadOf, thread);
            }
        }
    }

    [Fact]
    public void Run_APartThrows_RethrowsAfterEveryPartFinished()
    {
        using var team = new WorkerTeam(2);
        bool otherFinished = false;
        var error = Assert.Throws<InvalidOperationException>(() => team.Run(p =>
        {
            if (p == 1)
            {
                throw new InvalidOperationException("part 1 failed");
            }

            Thread.Sleep(50);
            otherFinished = true;
        }));

        Assert.Equal("part 1 failed", error.Message);
        Assert.True(otherFinished);

        // The team still works after a failure.
        int sum = 0;
        team.Run(p => Interlocked.Add(ref sum, p + 1));
        Assert.Equal(3, sum);
    }

    [Fact]
    public void Run_TheCallersPartThrows_WaitsForTheOthersThenRethrows()
    {
        using var team = new WorkerTeam(3);
        int finished = 0;
        Assert.Throws<ArgumentException>(() => team.Run(p =>
        {
            if (p == 0)
            {
                throw new ArgumentException("part 0 failed");
            }

            Thread.Sleep(30);
            Interlocked.Increment(ref finished);
        }));

        Assert.Equal(2, finished);
    }

    [Fact]
    public void Dispose_StopsTheThreads_AndRunIsRefusedAfterwards()
    {
        var team = new WorkerTeam(3);
        team.Run(_ => { });
        team.Dispose();
        team.Dispose();     // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => team.Run(_ => { }));
    }
}
