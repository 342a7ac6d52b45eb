namespace MiniNetFgsm;

/// <summary>Runs independent work items on up to a given number of threads.</summary>
internal static class Parallelism
{
    /// <summary>
    /// Cuts [0, count) into one contiguous range per thread and calls <paramref name="body"/>(state, first, last) for
    /// each: a few large work items rather than one per index, when each index is cheap. The state goes to a
    /// (preferably static) body, so single-threaded calls allocate nothing.
    /// </summary>
    public static void ForRanges<TState>(int count, int threads, TState state, Action<TState, int, int> body)
    {
        int parts = Math.Min(threads, count);
        if (parts <= 1)
        {
            body(state, 0, count);
            return;
        }

        // In its own method: a lambda's captured parameters are allocated on entry to the method that holds it.
        ForRangesInParallel(count, parts, state, body);
    }

    private static void ForRangesInParallel<TState>(int count, int parts, TState state, Action<TState, int, int> body)
        => Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            body(state, (int)((long)count * part / parts), (int)((long)count * (part + 1) / parts)));
}
