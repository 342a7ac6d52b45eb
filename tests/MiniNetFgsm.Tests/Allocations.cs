namespace MiniNetFgsm.Tests;

/// <summary>Measures what a warmed-up operation allocates on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes this thread allocates in <paramref name="calls"/> calls of <paramref name="step"/> after two warm-up calls:
    /// the least of three such measurements, each after a full collection. Code that allocates does so every time, so
    /// it cannot measure 0 in any of them; but the counter has jumped by a few hundred to a few thousand bytes with
    /// nothing allocated when another thread's collection retired this thread's allocation context (in the full suite,
    /// about 1 run in 4), and a one-time allocation (a wait handle's lock object, created the first time a thread
    /// really blocks on it) can land in any one measurement.
    /// </summary>
    public static long LeastAfterWarmUp(Action step, int calls = 3)
    {
        step();
        step();
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3 && least > 0; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                step();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
