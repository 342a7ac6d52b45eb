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
}
