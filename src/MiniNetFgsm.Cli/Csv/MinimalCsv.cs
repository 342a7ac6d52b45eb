using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using CsvHelper.Configuration.Attributes;
using CsvHelper.TypeConversion;
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
        => CsvFile.Write(path, images.Select(r => new MinimalEpsilonRecord(r)));

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
internal sealed class MinimalEpsilonRecord(MinimalEpsilon r)
{
    [Name("index"), Index(0)]
    public int Index { get; } = r.Index;

    [Name("label"), Index(1)]
    public int Label { get; } = r.Label;

    [Name("clean_prediction"), Index(2)]
    public int CleanPrediction { get; } = r.CleanPrediction;

    [Name("min_k"), Index(3)]
    public int? MinK { get; } = r.MinK;

    [Name("min_epsilon"), Index(4), Format("R")]
    public float? MinEpsilon { get; } = r.MinEpsilon;

    [Name("adversarial_prediction"), Index(5)]
    public int AdversarialPrediction { get; } = r.AdversarialPrediction;

    // Widened to double before formatting, as the CSV always has: a float formatted directly can round differently.
    [Name("adversarial_confidence"), Index(6), Format("0.######")]
    public double AdversarialConfidence { get; } = r.AdversarialConfidence;
}

/// <summary>One statistic of the summary: its name, the eps it is about (empty for the overall ones) and its value.</summary>
internal sealed class MinimalSummaryRecord(string statistic, float? epsilon, double value)
{
    [Name("statistic"), Index(0)]
    public string Statistic { get; } = statistic;

    [Name("epsilon"), Index(1), Format("R")]
    public float? Epsilon { get; } = epsilon;

    [Name("value"), Index(2), TypeConverter(typeof(SummaryValueConverter))]
    public double Value { get; } = value;

    /// <summary>Up to 8 decimals (counts come out as integers), <c>inf</c> for +∞ (a quartile among the never-fooled images), empty for NaN.</summary>
    private sealed class SummaryValueConverter : DefaultTypeConverter
    {
        public override string ConvertToString(object? value, IWriterRow row, MemberMapData memberMapData) => value switch
        {
            double.PositiveInfinity => "inf",
            double.NaN => "",
            double v => v.ToString("0.########", CultureInfo.InvariantCulture),
            _ => throw new ArgumentException($"Expected a double, got {value}.", nameof(value)),
        };
    }
}
