using System.Globalization;
using CsvHelper;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Cli.Commands;

namespace MiniNetFgsm.Cli;

/// <summary>
/// The minimal-eps search as CSV: one <see cref="MinimalEpsilonRecord"/> per image (min_k and min_epsilon empty when no
/// eps up to the maximum fools the model), and a summary file of <see cref="MinimalSummaryRecord"/> rows.
/// </summary>
internal static class MinimalCsv
{
    public static void Write(string path, IReadOnlyList<MinimalEpsilon> images)
        => CsvFile.Write(path, images.Select(MinimalEpsilonRecord.Of));

    /// <summary>
    /// The summary as <c>statistic,epsilon,value</c> rows: the distribution (counts, quartiles, mean; eps "inf"
    /// where a quartile falls among the images never fooled), the PNG round trip and, per eps, <c>grid_k</c>,
    /// <c>fooled_within</c> and <c>fooled_at</c>.
    /// </summary>
    public static void WriteSummary(string path, MinimalEpsilonSummary s, int maxK, IReadOnlyList<MinimalSummaryRow> rows, PngRoundTrip png)
    {
        MinimalSummaryRecord[] statistics =
        [
            new("images", null, s.Total),
            new("max_k", null, maxK),
            new("clean_misclassified", null, s.CleanMisclassified),
            new("found", null, s.Found),
            new("not_found", null, s.NotFound),
            new("mean_min_epsilon_found", null, s.Mean),
            new("q1_min_epsilon", null, s.Q1),
            new("median_min_epsilon", null, s.Median),
            new("q3_min_epsilon", null, s.Q3),
            new("min_min_epsilon", null, s.Min),
            new("max_min_epsilon", null, s.Max),
            new("png_round_trip_checked", null, png.Checked),
            new("png_round_trip_still_fooled", null, png.StillFooled),
        ];
        IEnumerable<MinimalSummaryRecord> perEpsilon = rows.SelectMany(r => new MinimalSummaryRecord[]
        {
            new("grid_k", r.Epsilon, r.GridK),
            new("fooled_within", r.Epsilon, r.FooledWithin),
            new("fooled_at", r.Epsilon, r.FooledAt),
        });
        CsvFile.Write(path, statistics.Concat(perEpsilon));
    }
}

/// <summary>One image of the search. eps is written as the shortest text that reads back as the same float.</summary>
[CsvRecord]
internal sealed partial record MinimalEpsilonRecord
{
    [CsvColumn("index", Index = 0)]
    public int Index { get; init; }

    [CsvColumn("label", Index = 1)]
    public int Label { get; init; }

    [CsvColumn("clean_prediction", Index = 2)]
    public int CleanPrediction { get; init; }

    [CsvColumn("min_k", Index = 3)]
    public int? MinK { get; init; }

    [CsvColumn("min_epsilon", Index = 4)]
    public float? MinEpsilon { get; init; }

    [CsvColumn("adversarial_prediction", Index = 5)]
    public int AdversarialPrediction { get; init; }

    // Widened to double before formatting, as the CSV always has: a float formatted directly can round differently.
    [CsvColumn("adversarial_confidence", Index = 6), CsvConverter(typeof(UpToSixDecimals))]
    public double AdversarialConfidence { get; init; }

    public static MinimalEpsilonRecord Of(MinimalEpsilon r) => new()
    {
        Index = r.Index, Label = r.Label, CleanPrediction = r.CleanPrediction, MinK = r.MinK, MinEpsilon = r.MinEpsilon,
        AdversarialPrediction = r.AdversarialPrediction, AdversarialConfidence = r.AdversarialConfidence,
    };
}

/// <summary>One statistic of the summary: its name, the eps it is about (empty for the overall ones) and its value.</summary>
[CsvRecord]
internal sealed partial record MinimalSummaryRecord(
    [property: CsvColumn("statistic", Index = 0)] string Statistic,
    [property: CsvColumn("epsilon", Index = 1)] float? Epsilon,
    [property: CsvColumn("value", Index = 2), CsvConverter(typeof(MinimalSummaryRecord.SummaryValueConverter))] double Value)
{
    /// <summary>Up to 8 decimals (counts come out as integers), <c>inf</c> for +∞ (a quartile among the never-fooled images), empty for NaN.</summary>
    internal sealed class SummaryValueConverter : ICsvConverter<double>
    {
        public double Read(CsvReader reader, int index) => reader.GetString(index) switch
        {
            "inf" => double.PositiveInfinity,
            "" => double.NaN,
            string text => double.Parse(text, CultureInfo.InvariantCulture),
        };

        public void Write(CsvWriter writer, double value) => writer.WriteField(value switch
        {
            double.PositiveInfinity => "inf",
            double.NaN => "",
            _ => value.ToString("0.########", CultureInfo.InvariantCulture),
        });
    }
}
