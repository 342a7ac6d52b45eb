using System.Diagnostics;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Cli;

/// <summary>
/// Training progress on the console: one live line rewritten in place on a terminal, or a plain line every
/// few seconds when output is redirected (logs and CI stay readable).
/// </summary>
internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private readonly bool live = !Console.IsOutputRedirected;
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
        if (!last && sinceLastLine.Elapsed < interval)
        {
            return;
        }

        sinceLastLine.Restart();
        string text = $"epoch {p.Epoch}/{p.Epochs}  batch {p.Batch}/{p.Batches}  loss {Cli.FormatNumber(p.Loss)}  " +
                      $"{Cli.FormatNumber(p.ImagesPerSecond, "0")} images/s  ETA {p.Remaining:mm\\:ss}";
        if (live)
        {
            Console.Write("\r" + text.PadRight(lastWidth));
            lastWidth = text.Length;
            if (last)
            {
                Console.WriteLine();
                lastWidth = 0;
            }
        }
        else
        {
            Console.WriteLine(text);
        }
    }
}
