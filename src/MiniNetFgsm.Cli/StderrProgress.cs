using System.Diagnostics;

namespace MiniNetFgsm.Cli;

/// <summary>
/// Progress of long work on stderr, so it never mixes into the results on stdout: on a terminal one line rewritten in place
/// ("fgsm sweep: 3200/10000 images  4100 images/s  ETA 0:00:01"); when stderr is redirected (logs, CI) a plain line at
/// most every 10 s. Reports may come from several worker threads, in any order.
/// </summary>
internal sealed class StderrProgress : IProgress<int>
{
    private readonly string what;
    private readonly int total;
    private readonly string unit;
    private readonly TextWriter writer;
    private readonly bool live;
    private readonly TimeSpan interval;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Lock gate = new();
    private TimeSpan lastLine;
    private int highest = -1;
    private int lastWidth;
    private bool printed;

    /// <summary>A reporter for <paramref name="total"/> <paramref name="unit"/> of <paramref name="what"/>, on <see cref="Console.Error"/>.</summary>
    public StderrProgress(string what, int total, string unit = "images")
        : this(what, total, unit, Console.Error, live: !Console.IsErrorRedirected)
    {
    }

    /// <summary>As above, on <paramref name="writer"/>; <paramref name="live"/> rewrites one line in place every 0.2 s instead of a line every 10 s.</summary>
    internal StderrProgress(string what, int total, string unit, TextWriter writer, bool live)
    {
        this.what = what;
        this.total = total;
        this.unit = unit;
        this.writer = writer;
        this.live = live;
        interval = live ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(10);
    }

    /// <summary>Called with the amount done so far (0..total).</summary>
    public void Report(int done)
    {
        lock (gate)
        {
            // A smaller count after a larger one is a stale report from another thread.
            TimeSpan elapsed = clock.Elapsed;
            bool finished = done >= total;
            if (done <= highest || (!finished && elapsed - lastLine < interval) || (finished && !live && !printed))
            {
                highest = Math.Max(highest, done);
                return;         // a redirected run that ended within 10 s needs no progress line at all
            }

            highest = done;
            lastLine = elapsed;
            string text = Line(what, done, total, unit, elapsed);
            if (live)
            {
                writer.Write("\r" + text.PadRight(lastWidth) + (finished ? Environment.NewLine : ""));
                lastWidth = finished ? 0 : text.Length;
            }
            else
            {
                writer.WriteLine(text);
            }

            printed = true;
            writer.Flush();
        }
    }

    /// <summary>"what: done/total unit  rate unit/s  ETA h:mm:ss" (ETA from the mean rate so far).</summary>
    internal static string Line(string what, int done, int total, string unit, TimeSpan elapsed)
    {
        double rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        TimeSpan remaining = done > 0 && done < total ? elapsed * ((double)(total - done) / done) : TimeSpan.Zero;
        return $"{what}: {done}/{total} {unit}  {Cli.FormatNumber(rate, rate < 10 ? "0.0" : "0")} {unit}/s  ETA {Clock(remaining)}";
    }

    /// <summary>h:mm:ss.</summary>
    internal static string Clock(TimeSpan t) => $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}";
}
