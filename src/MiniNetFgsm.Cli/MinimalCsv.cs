using System.Globalization;
using CsvHelper;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Cli.Commands;

namespace MiniNetFgsm.Cli;

/// <summary>
/// The minimal-eps search as CSV: one row per image with the columns
/// <c>index,label,clean_prediction,min_k,min_epsilon,adversarial_prediction,adversarial_confidence</c>
/// (min_k and min_epsilon empty when no eps up to the maximum fools the model), and a summary file.
/// </summary>
internal static class MinimalCsv
{
    public static void Write(string path, IReadOnlyList<MinimalEpsilon> images)
    {
        AtomicFile.WriteText(path, writer =>
        {
            using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            Header(csv, "index", "label", "clean_prediction", "min_k", "min_epsilon", "adversarial_prediction", "adversarial_confidence");
            foreach (MinimalEpsilon r in images)
            {
                csv.WriteField(r.Index);
                csv.WriteField(r.Label);
                csv.WriteField(r.CleanPrediction);
                csv.WriteField(r.MinK is int k ? k.ToString(CultureInfo.InvariantCulture) : "");
                csv.WriteField(r.MinEpsilon is float e ? e.ToString("R", CultureInfo.InvariantCulture) : "");
                csv.WriteField(r.AdversarialPrediction);
                csv.WriteField(Cli.FormatNumber(r.AdversarialConfidence, "0.######"));
                csv.NextRecord();
            }
        });
    }

    /// <summary>
    /// The summary as <c>statistic,epsilon,value</c> rows: the distribution (counts, quartiles, mean; eps "inf"
    /// where a quartile falls among the images never fooled), the PNG round trip and, per eps, <c>fooled_within</c> and <c>fooled_at</c>.
    /// </summary>
    public static void WriteSummary(string path, MinimalEpsilonSummary s, int maxK, IReadOnlyList<MinimalSummaryRow> rows, PngRoundTrip png)
    {
        AtomicFile.WriteText(path, writer =>
        {
            using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            Header(csv, "statistic", "epsilon", "value");
            void Row(string statistic, string epsilon, string value)
            {
                csv.WriteField(statistic);
                csv.WriteField(epsilon);
                csv.WriteField(value);
                csv.NextRecord();
            }

            string I(int v) => v.ToString(CultureInfo.InvariantCulture);
            string D(double v) => double.IsPositiveInfinity(v) ? "inf" : double.IsNaN(v) ? "" : v.ToString("0.########", CultureInfo.InvariantCulture);
            Row("images", "", I(s.Total));
            Row("max_k", "", I(maxK));
            Row("clean_misclassified", "", I(s.CleanMisclassified));
            Row("found", "", I(s.Found));
            Row("not_found", "", I(s.NotFound));
            Row("mean_min_epsilon_found", "", D(s.Mean));
            Row("q1_min_epsilon", "", D(s.Q1));
            Row("median_min_epsilon", "", D(s.Median));
            Row("q3_min_epsilon", "", D(s.Q3));
            Row("min_min_epsilon", "", D(s.Min));
            Row("max_min_epsilon", "", D(s.Max));
            Row("png_round_trip_checked", "", I(png.Checked));
            Row("png_round_trip_still_fooled", "", I(png.StillFooled));
            foreach (MinimalSummaryRow r in rows)
            {
                string eps = r.Epsilon.ToString("R", CultureInfo.InvariantCulture);
                Row("grid_k", eps, I(r.GridK));
                Row("fooled_within", eps, D(r.FooledWithin));
                Row("fooled_at", eps, D(r.FooledAt));
            }
        });
    }

    private static void Header(CsvWriter csv, params string[] columns)
    {
        foreach (string column in columns)
        {
            csv.WriteField(column);
        }

        csv.NextRecord();
    }
}
