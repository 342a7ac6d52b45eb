namespace MiniNetFgsm;

/// <summary>Runs independent work items on up to a given number of threads.</summary>
internal static class Parallelism
{
    /// <summary>The calling thread's teams, by size, kept between calls (their threads sleep in between). One per size: a
    /// count below the thread count asks for fewer parts, and one team re-sized back and forth would start threads on
    /// every call.</summary>
    [ThreadStatic]
    private static WorkerTeam?[]? teams;

    /// <summary>Set while this thread runs a range (or waits for its team): a nested call runs serially, without a team of its own.</summary>
    [ThreadStatic]
    private static bool busy;

    /// <summary>
    /// Cuts [0, count) into one contiguous range per thread and calls <paramref name="body"/>(state, first, last) for
    /// each: a few large work items rather than one per index, when each index is cheap. The state goes to a
    /// (preferably static) body, so calls allocate nothing once warm.
    /// </summary>
    /// <remarks>
    /// The ranges run on a <see cref="WorkerTeam"/> of that many parts that belongs to the calling thread and lives as
    /// long as the process (range 0 on the caller; the team's threads are background threads). Parallel.For allocated about 2 KiB per call, which made each training step's gradient
    /// reduction and Adam update allocate; the team also keeps range p on the same thread from one call to the next.
    /// The job's fields are written with ordinary writes before <see cref="WorkerTeam.Run"/>, which publishes them to the
    /// team's threads with a full fence, and every range's writes are visible to the caller when Run returns (see
    /// <see cref="WorkerTeam"/>'s remarks on memory ordering).
    /// </remarks>
    public static void ForRanges<TState>(int count, int threads, TState state, Action<TState, int, int> body)
    {
        int parts = Math.Min(threads, count);
        if (parts <= 1 || busy)
        {
            body(state, 0, count);
            return;
        }

        if (teams is null || teams.Length <= parts)
        {
            Array.Resize(ref teams, parts + 1);
        }

        WorkerTeam team = teams[parts] ??= new WorkerTeam(parts);
        RangeJob<TState> job = RangeJob<TState>.ForThisThread;
        job.Set(count, parts, state, body);
        busy = true;
        try
        {
            team.Run(job.Part);
        }
        finally
        {
            busy = false;
            job.Set(0, 0, default!, null);
        }
    }

    /// <summary>One call's arguments, shared with the team's threads, and the cached delegate that runs a range.</summary>
    private sealed class RangeJob<TState>
    {
        [ThreadStatic]
        private static RangeJob<TState>? current;

        private int count, parts;
        private TState state = default!;
        private Action<TState, int, int>? body;

        private RangeJob() => Part = RunPart;

        /// <summary>The calling thread's job for this state type.</summary>
        public static RangeJob<TState> ForThisThread => current ??= new RangeJob<TState>();

        /// <summary>Runs range p of the current call.</summary>
        public Action<int> Part { get; }

        public void Set(int count, int parts, TState state, Action<TState, int, int>? body)
            => (this.count, this.parts, this.state, this.body) = (count, parts, state, body);

        /// <summary>Runs range <paramref name="part"/>; a ForRanges call inside it, on whichever thread, runs serially.</summary>
        private void RunPart(int part)
        {
            bool outer = busy;
            busy = true;
            try
            {
                body!(state, (int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));
            }
            finally
            {
                busy = outer;
            }
        }
    }
}
