using CsvHelper;
using MiniNetFgsm.Benchmarking;

namespace MiniNetFgsm.Cli;

/// <summary>One phase of <c>mininet bench</c>, the CSV it prints on the console (seconds to the millisecond, rate to 0.1 image/s).</summary>
[CsvRecord]
internal sealed partial record ThroughputRecord
{
    [CsvConstructor]
    public ThroughputRecord()
    {
    }

    public ThroughputRecord(ThroughputResult r)
    {
        (Model, Phase, Threads, Batch, Images) = (r.Model, r.Phase, r.Threads, r.Batch, r.Images);
        (Seconds, ImagesPerSecond) = (r.Seconds, r.ImagesPerSecond);
    }

    [CsvColumn("model", Index = 0)]
    public string Model { get; init; } = "";

    [CsvColumn("phase", Index = 1)]
    public string Phase { get; init; } = "";

    [CsvColumn("threads", Index = 2)]
    public int Threads { get; init; }

    [CsvColumn("batch", Index = 3)]
    public int Batch { get; init; }

    [CsvColumn("images", Index = 4)]
    public int Images { get; init; }

    [CsvColumn("seconds", Index = 5), CsvConverter(typeof(ThreeDecimals))]
    public double Seconds { get; init; }

    [CsvColumn("images_per_second", Index = 6), CsvConverter(typeof(OneDecimal))]
    public double ImagesPerSecond { get; init; }
}
