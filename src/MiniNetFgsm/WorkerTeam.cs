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
/// <para>
/// Memory ordering: the events only wake threads; what is handed over is ordered by the operations the .NET memory
/// model names (docs/design/specs/Memory-model.md in dotnet/runtime), which hold on Arm64's weak ordering as on x64.
/// The caller writes the call's delegate and clears the failure with ordinary writes, then bumps
/// <see cref="generation"/> with <see cref="Interlocked.Increment(ref int)"/> (a full fence: a release of those writes
/// and of everything the caller wrote before <see cref="Run"/>, such as <c>Parallelism</c>'s job). A worker reads the
/// generation with <c>Volatile.Read</c> (an acquire) before it reads the delegate. Each worker ends its part
/// with <see cref="Interlocked.Decrement(ref int)"/> on <see cref="pending"/> (a release of the part's results), and the
/// caller returns only after <c>Volatile.Read</c> has seen it at 0 (an acquire of every part's results
/// through the chain of decrements). Nothing relies on the events' own fences, which are not documented.
/// </para>
/// </remarks>
internal sealed class WorkerTeam : IDisposable
{
    private readonly Thread[] workers;
    private readonly ManualResetEventSlim[] start;
    private readonly ManualResetEventSlim done = new(false);
    private Action<int>? work;
    /// <summary>Parts not yet finished in the current call: set before the call is published, decremented by each worker.</summary>
    private int pending;
    /// <summary>Calls published so far (plus one for <see cref="Dispose"/>): a worker runs a part when it sees a new value.</summary>
    private int generation;
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
        pending = Parts - 1;
        Interlocked.Increment(ref generation);      // publishes the three writes above (a full fence)
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
        SpinUntil(ref pending, 0, equal: true);     // the acquire of every part's results (at once in practice)
        work = null;
        if (Volatile.Read(ref failure) is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
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
        Interlocked.Increment(ref generation);
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
        int seen = 0;
        while (true)
        {
            // The reset cannot swallow the next call's Set: that call starts only after this part's decrement below.
            signal.Wait();
            signal.Reset();
            seen = SpinUntil(ref generation, seen, equal: false);     // the acquire of the call's arguments
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

    /// <summary>
    /// Reads <paramref name="location"/> with acquire semantics until it equals <paramref name="value"/> (or, with
    /// <paramref name="equal"/> false, until it differs from it) and returns what it read. Called after the event that
    /// announces the change, so the first read succeeds unless the write is not yet visible to this core.
    /// </summary>
    private static int SpinUntil(ref int location, int value, bool equal)
    {
        var spinner = default(SpinWait);
        int read;
        while (((read = Volatile.Read(ref location)) == value) != equal)
        {
            spinner.SpinOnce();
        }

        return read;
    }
}
