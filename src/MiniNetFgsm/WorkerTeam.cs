using System.Runtime.ExceptionServices;

namespace MiniNetFgsm;

/// <summary>
/// A fixed team of threads for work split into a fixed number of parts: part 0 runs on the calling thread and part
/// p &gt; 0 always on the team's thread p. Data-parallel training calls it once per batch with part = replica, so a
/// replica's activations and gradients stay in the cache of the core that last used them; with the thread pool, a
/// replica moved to the other core in about a third of lenet's steps and its working set followed it.
/// </summary>
/// <remarks>
/// The team's threads are background threads that sleep between calls (after a short spin inside
/// <see cref="ManualResetEventSlim.Wait()"/>). Calls must not overlap, and <see cref="Dispose"/> must not be called
/// during one. If parts throw, the first exception recorded is rethrown on the calling thread after every part has
/// finished. Creating a team starts its threads (tens of microseconds each), so it pays to keep one per run of work,
/// as <c>ModelReplicas</c> does, rather than per call.
/// </remarks>
internal sealed class WorkerTeam : IDisposable
{
    private readonly Thread[] workers;
    private readonly ManualResetEventSlim[] start;
    private readonly ManualResetEventSlim done = new(false);
    private Action<int>? work;
    private int pending;
    private Exception? failure;
    private volatile bool disposed;

    /// <summary>Creates a team that runs <paramref name="parts"/> parts at a time (parts − 1 new threads).</summary>
    public WorkerTeam(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        Parts = parts;
        workers = new Thread[parts - 1];
        start = new ManualResetEventSlim[parts - 1];
        for (int i = 0; i < workers.Length; i++)
        {
            int part = i + 1;
            start[i] = new ManualResetEventSlim(false);
            workers[i] = new Thread(() => Loop(part)) { IsBackground = true, Name = $"MiniNetFgsm worker {part}" };
            workers[i].Start();
        }
    }

    /// <summary>Number of parts each <see cref="Run"/> runs.</summary>
    public int Parts { get; }

    /// <summary>Runs <paramref name="body"/>(p) for p in [0, <see cref="Parts"/>) and returns when all have finished.</summary>
    public void Run(Action<int> body)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Parts == 1)
        {
            body(0);
            return;
        }

        work = body;
        failure = null;
        done.Reset();
        Volatile.Write(ref pending, Parts - 1);
        foreach (ManualResetEventSlim signal in start)
        {
            signal.Set();
        }

        try
        {
            body(0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref failure, e, null);
        }

        done.Wait();
        work = null;
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Stops the team's threads.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (ManualResetEventSlim signal in start)
        {
            signal.Set();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        foreach (ManualResetEventSlim signal in start)
        {
            signal.Dispose();
        }

        done.Dispose();
    }

    private void Loop(int part)
    {
        ManualResetEventSlim signal = start[part - 1];
        while (true)
        {
            signal.Wait();
            signal.Reset();
            if (disposed)
            {
                return;
            }

            try
            {
                work!(part);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }

            if (Interlocked.Decrement(ref pending) == 0)
            {
                done.Set();
            }
        }
    }
}
