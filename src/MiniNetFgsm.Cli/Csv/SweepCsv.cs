using System.Globalization;
using CsvHelper.Configuration.Attributes;
using MiniNetFgsm.Attacks;

namespace MiniNetFgsm.Cli;

/// <summary>
/// A sweep as CSV: the columns of <see cref="SweepRecord"/>, followed for the other attacks by the method's own
/// (<see cref="TargetedSweepRecord"/> or <see cref="IterativeSweepRecord"/>).
/// </summary>
internal static class SweepCsv
{
    /// <summary>The FGSM sweep (<c>fgsm_sweep.csv</c>): the common columns only.</summary>
    public static void Write(string path, IReadOnlyList<FgsmSweepRow> rows)
        => CsvFile.Write(path, rows.Select(r => new SweepRecord(r.Epsilon, r.Accuracy, r.Correct, r.Total, r.AttackSuccessRate, r.MeanAdversarialConfidence)));

    /// <summary>Any method's sweep (<c>&lt;method&gt;_sweep.csv</c>), one record per row as <see cref="Fields"/> shows it.</summary>
    public static void Write(string path, IReadOnlyList<AttackSweepRow> rows, AttackOptions options)
    {
        switch (options.Method)
        {
            case AttackMethod.Targeted:
                CsvFile.Write(path, rows.Select(r => TargetedSweepRecord.Of(r, options)));
                break;
            case AttackMethod.Bim or AttackMethod.Pgd:
                CsvFile.Write(path, rows.Select(r => IterativeSweepRecord.Of(r, options)));
                break;
            default:
                CsvFile.Write(path, rows.Select(SweepRecord.Of));
                break;
        }
    }

    /// <summary>The column names for <paramref name="method"/>.</summary>
    public static string[] Columns(AttackMethod method) => method switch
    {
        AttackMethod.Targeted => CsvFile.Header<TargetedSweepRecord>(),
        AttackMethod.Bim or AttackMethod.Pgd => CsvFile.Header<IterativeSweepRecord>(),
        _ => CsvFile.Header<SweepRecord>(),
    };

    /// <summary>One row as the text written to the CSV (the CLI prints the same text in its table).</summary>
    public static string[] Fields(AttackSweepRow row, AttackOptions options) => options.Method switch
    {
        AttackMethod.Targeted => CsvFile.Fields(TargetedSweepRecord.Of(row, options)),
        AttackMethod.Bim or AttackMethod.Pgd => CsvFile.Fields(IterativeSweepRecord.Of(row, options)),
        _ => CsvFile.Fields(SweepRecord.Of(row)),
    };
}

/// <summary>The columns every sweep has. eps is written as the shortest text that reads back as the same float.</summary>
internal class SweepRecord(float epsilon, double accuracy, int correct, int total, double attackSuccessRate, double meanAdversarialConfidence)
{
    [Name("epsilon"), Index(0), Format("R")]
    public float Epsilon { get; } = epsilon;

    [Name("accuracy"), Index(1), Format("0.######")]
    public double Accuracy { get; } = accuracy;

    [Name("correct"), Index(2)]
    public int Correct { get; } = correct;

    [Name("total"), Index(3)]
    public int Total { get; } = total;

    [Name("attack_success_rate"), Index(4), Format("0.######")]
    public double AttackSuccessRate { get; } = attackSuccessRate;

    [Name("mean_adversarial_confidence"), Index(5), Format("0.######")]
    public double MeanAdversarialConfidence { get; } = meanAdversarialConfidence;

    public static SweepRecord Of(AttackSweepRow r) => new(r.Epsilon, r.Accuracy, r.Correct, r.Total, r.AttackSuccessRate, r.MeanAdversarialConfidence);
}

/// <summary>Targeted FGSM's sweep: the common columns, the targeted success rate and the target (a class, or <c>least-likely</c>).</summary>
internal sealed class TargetedSweepRecord(AttackSweepRow r, string target)
    : SweepRecord(r.Epsilon, r.Accuracy, r.Correct, r.Total, r.AttackSuccessRate, r.MeanAdversarialConfidence)
{
    [Name("targeted_success_rate"), Index(6), Format("0.######")]
    public double TargetedSuccessRate { get; } = r.TargetedSuccessRate;

    [Name("target"), Index(7)]
    public string Target { get; } = target;

    public static TargetedSweepRecord Of(AttackSweepRow r, AttackOptions options)
        => new(r, options.TargetClass?.ToString(CultureInfo.InvariantCulture) ?? "least-likely");
}

/// <summary>BIM's and PGD's sweep: the common columns, the steps, the step α actually used at this eps, and the restarts.</summary>
internal sealed class IterativeSweepRecord(AttackSweepRow r, int steps, float stepSize, int restarts)
    : SweepRecord(r.Epsilon, r.Accuracy, r.Correct, r.Total, r.AttackSuccessRate, r.MeanAdversarialConfidence)
{
    [Name("steps"), Index(6)]
    public int Steps { get; } = steps;

    [Name("step_size"), Index(7), Format("R")]
    public float StepSize { get; } = stepSize;

    [Name("restarts"), Index(8)]
    public int Restarts { get; } = restarts;

    public static IterativeSweepRecord Of(AttackSweepRow r, AttackOptions options)
        => new(r, options.Steps, options.StepSize ?? Pgd.DefaultStepSize(r.Epsilon, options.Steps), options.Restarts);
}
