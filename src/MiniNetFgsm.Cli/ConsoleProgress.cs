using System.Diagnostics;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Cli;

/// <summary>
/// Training progress on stderr (stdout keeps the per-epoch results): one live line rewritten in place on a terminal, or a
/// plain line every 10 s when stderr is redirected (logs and CI stay readable).
/// </summary>
internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private readonly bool live = !Console.IsErrorRedirected;
    private readonly Stopwatch sinceLastLine = Stopwatch.StartNew();
    private readonly TimeSpan interval;
    private int lastWidth;

    public ConsoleProgress()
    {
        interval = live ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(10);
    }

    public void Report(TrainingProgress p)
    {
        bool last = p.Batch == p.Batches;
        // Redirected, the epoch's last batch gets no line of its own: the epoch's summary follows on stdout.
        if ((!last || !live) && sinceLastLine.Elapsed < interval)
        {
            return;
        }

        sinceLastLine.Restart();
        string text = $"epoch {p.Epoch}/{p.Epochs}  batch {p.Batch}/{p.Batches}  loss {Cli.FormatNumber(p.Loss)}  " +
                      $"{Cli.FormatNumber(p.ImagesPerSecond, "0")} images/s  ETA {StderrProgress.Clock(p.Remaining)}";
        if (live)
        {
            Console.Error.Write("\r" + text.PadRight(lastWidth));
            lastWidth = text.Length;
            if (last)
            {
                Console.Error.WriteLine();
                lastWidth = 0;
            }
        }
        else
        {
            Console.Error.WriteLine(text);
        }
    }
}
