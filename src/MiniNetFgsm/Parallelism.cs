namespace MiniNetFgsm;

/// <summary>Runs independent work items on up to a given number of threads.</summary>
internal static class Parallelism
{
    /// <summary>
    /// Calls <paramref name="body"/> for every index in [0, count). Each index writes only its own outputs,
    /// so the result does not depend on which thread runs which index.
    /// </summary>
    public static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>
    /// As <see cref="ForRanges(int, int, Action{int, int})"/>, passing <paramref name="state"/> to a (preferably static)
    /// body, so that single-threaded calls allocate nothing.
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

    /// <summary>
    /// Cuts [0, count) into one contiguous range per thread and calls <paramref name="body"/>(first, last) for each:
    /// fewer, larger work items than <see cref="For"/> when each index is cheap.
    /// </summary>
    public static void ForRanges(int count, int threads, Action<int, int> body)
    {
        int parts = Math.Min(threads, count);
        if (parts <= 1)
        {
            body(0, count);
            return;
        }

        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            body((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts)));
    }
}
