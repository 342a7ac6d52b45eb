using System.Globalization;
using CsvHelper;
using MiniNetFgsm.Attacks;

namespace MiniNetFgsm.Cli;

/// <summary>Writes an FGSM sweep as CSV with the columns
/// <c>epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence</c>.</summary>
internal static class SweepCsv
{
    public static void Write(string path, IReadOnlyList<FgsmSweepRow> rows)
    {
        AtomicFile.Write(path, writer =>
        {
            using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            foreach (string column in new[] { "epsilon", "accuracy", "correct", "total", "attack_success_rate", "mean_adversarial_confidence" })
            {
                csv.WriteField(column);
            }

            csv.NextRecord();
            foreach (FgsmSweepRow row in rows)
            {
                csv.WriteField(row.Epsilon.ToString("R", CultureInfo.InvariantCulture));   // shortest text that reads back as the same float
                csv.WriteField(Cli.F(row.Accuracy, "0.######"));
                csv.WriteField(row.Correct);
                csv.WriteField(row.Total);
                csv.WriteField(Cli.F(row.AttackSuccessRate, "0.######"));
                csv.WriteField(Cli.F(row.MeanAdversarialConfidence, "0.######"));
                csv.NextRecord();
            }
        });
    }
}
