using System.Diagnostics;

namespace MiniNetFgsm.Cli;

/// <summary>
/// Progress of a long attack sweep (BIM, PGD) as one live line rewritten in place, only on a terminal: redirected output
/// (logs, tests) gets nothing but the table. Reports come from every worker thread.
/// </summary>
internal sealed class AttackProgress : IProgress<int>
{
    private readonly int total;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Lock gate = new();
    private TimeSpan lastLine;
    private int highest;

    private AttackProgress(int total) => this.total = total;

    /// <summary>A reporter for <paramref name="total"/> images, or null when the output is not a terminal.</summary>
    public static AttackProgress? Create(int total) => Console.IsOutputRedirected ? null : new AttackProgress(total);

    /// <summary>Called with the number of images attacked so far (at every eps).</summary>
    public void Report(int done)
    {
        lock (gate)
        {
            // Threads may report out of order: a smaller count after a larger one is stale (and after the last, would leave a line behind).
            TimeSpan elapsed = clock.Elapsed;
            if (done <= highest || (done < total && elapsed - lastLine < TimeSpan.FromMilliseconds(200)))
            {
                return;
            }

            highest = done;
            lastLine = elapsed;
            TimeSpan remaining = done == 0 ? TimeSpan.Zero : elapsed * ((double)(total - done) / done);
            string text = done < total ? $"attacked {done}/{total} images  ETA {remaining:mm\\:ss}" : "";
            Console.Write("\r" + text.PadRight(40) + (done < total ? "" : "\r"));
        }
    }
}
