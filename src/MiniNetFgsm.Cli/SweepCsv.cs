using System.Globalization;
using CsvHelper;
using MiniNetFgsm.Attacks;

namespace MiniNetFgsm.Cli;

/// <summary>Writes a sweep as CSV with the columns <c>epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence</c>,
/// followed for the other attacks by the method's own (<c>targeted_success_rate,target</c> or <c>steps,step_size,restarts</c>).</summary>
internal static class SweepCsv
{
    private static readonly string[] CommonColumns = ["epsilon", "accuracy", "correct", "total", "attack_success_rate", "mean_adversarial_confidence"];

    /// <summary>The FGSM sweep (<c>fgsm_sweep.csv</c>): the common columns only.</summary>
    public static void Write(string path, IReadOnlyList<FgsmSweepRow> rows)
        => Write(path, CommonColumns, rows.Select(r => CommonFields(r.Epsilon, r.Accuracy, r.Correct, r.Total, r.AttackSuccessRate, r.MeanAdversarialConfidence)));

    /// <summary>Any method's sweep (<c>&lt;method&gt;_sweep.csv</c>), with the fields <see cref="Fields"/> gives.</summary>
    public static void Write(string path, IReadOnlyList<AttackSweepRow> rows, AttackOptions options)
        => Write(path, Columns(options.Method), rows.Select(r => Fields(r, options)));

    /// <summary>The column names for <paramref name="method"/>.</summary>
    public static string[] Columns(AttackMethod method) => method switch
    {
        AttackMethod.Targeted => [.. CommonColumns, "targeted_success_rate", "target"],
        AttackMethod.Bim or AttackMethod.Pgd => [.. CommonColumns, "steps", "step_size", "restarts"],
        _ => CommonColumns,
    };

    /// <summary>One row as the text written to the CSV (the CLI prints the same text in its table).</summary>
    public static string[] Fields(AttackSweepRow row, AttackOptions options)
    {
        string[] common = CommonFields(row.Epsilon, row.Accuracy, row.Correct, row.Total, row.AttackSuccessRate, row.MeanAdversarialConfidence);
        return options.Method switch
        {
            AttackMethod.Targeted => [.. common, Cli.FormatNumber(row.TargetedSuccessRate, "0.######"), options.TargetClass?.ToString(CultureInfo.InvariantCulture) ?? "least-likely"],
            AttackMethod.Bim or AttackMethod.Pgd =>
            [
                .. common,
                options.Steps.ToString(CultureInfo.InvariantCulture),
                (options.StepSize ?? Pgd.DefaultStepSize(row.Epsilon, options.Steps)).ToString("R", CultureInfo.InvariantCulture),
                options.Restarts.ToString(CultureInfo.InvariantCulture),
            ],
            _ => common,
        };
    }

    private static string[] CommonFields(float epsilon, double accuracy, int correct, int total, double attackSuccessRate, double meanConfidence) =>
    [
        epsilon.ToString("R", CultureInfo.InvariantCulture),   // shortest text that reads back as the same float
        Cli.FormatNumber(accuracy, "0.######"),
        correct.ToString(CultureInfo.InvariantCulture),
        total.ToString(CultureInfo.InvariantCulture),
        Cli.FormatNumber(attackSuccessRate, "0.######"),
        Cli.FormatNumber(meanConfidence, "0.######"),
    ];

    private static void Write(string path, string[] columns, IEnumerable<string[]> rows)
    {
        AtomicFile.WriteText(path, writer =>
        {
            using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            foreach (string column in columns)
            {
                csv.WriteField(column);
            }

            csv.NextRecord();
            foreach (string[] row in rows)
            {
                foreach (string field in row)
                {
                    csv.WriteField(field);
                }

                csv.NextRecord();
            }
        });
    }
}
