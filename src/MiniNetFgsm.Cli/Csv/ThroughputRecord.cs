using CsvHelper.Configuration.Attributes;
using MiniNetFgsm.Benchmarking;

namespace MiniNetFgsm.Cli;

/// <summary>One phase of <c>mininet bench</c>, the CSV it prints on the console (seconds to the millisecond, rate to 0.1 image/s).</summary>
internal sealed class ThroughputRecord(ThroughputResult r)
{
    [Name("model"), Index(0)]
    public string Model { get; } = r.Model;

    [Name("phase"), Index(1)]
    public string Phase { get; } = r.Phase;

    [Name("threads"), Index(2)]
    public int Threads { get; } = r.Threads;

    [Name("batch"), Index(3)]
    public int Batch { get; } = r.Batch;

    [Name("images"), Index(4)]
    public int Images { get; } = r.Images;

    [Name("seconds"), Index(5), Format("0.000")]
    public double Seconds { get; } = r.Seconds;

    [Name("images_per_second"), Index(6), Format("0.0")]
    public double ImagesPerSecond { get; } = r.ImagesPerSecond;
}
