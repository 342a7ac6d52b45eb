using System.Globalization;
using CsvHelper;
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
        => CsvFile.Write(path, rows.Select(r => new SweepRecord
        {
            Epsilon = r.Epsilon, Accuracy = r.Accuracy, Correct = r.Correct, Total = r.Total,
            AttackSuccessRate = r.AttackSuccessRate, MeanAdversarialConfidence = r.MeanAdversarialConfidence,
        }));

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
internal abstract record SweepColumns
{
    [CsvColumn("epsilon", Index = 0)]
    public float Epsilon { get; init; }

    [CsvColumn("accuracy", Index = 1), CsvConverter(typeof(UpToSixDecimals))]
    public double Accuracy { get; init; }

    [CsvColumn("correct", Index = 2)]
    public int Correct { get; init; }

    [CsvColumn("total", Index = 3)]
    public int Total { get; init; }

    [CsvColumn("attack_success_rate", Index = 4), CsvConverter(typeof(UpToSixDecimals))]
    public double AttackSuccessRate { get; init; }

    [CsvColumn("mean_adversarial_confidence", Index = 5), CsvConverter(typeof(UpToSixDecimals))]
    public double MeanAdversarialConfidence { get; init; }

}

/// <summary>FGSM's sweep: the common columns only.</summary>
[CsvRecord]
internal sealed partial record SweepRecord : SweepColumns
{
    public static SweepRecord Of(AttackSweepRow r) => new()
    {
        Epsilon = r.Epsilon, Accuracy = r.Accuracy, Correct = r.Correct, Total = r.Total,
        AttackSuccessRate = r.AttackSuccessRate, MeanAdversarialConfidence = r.MeanAdversarialConfidence,
    };
}

/// <summary>Targeted FGSM's sweep: the common columns, the targeted success rate and the target (a class, or <c>least-likely</c>).</summary>
[CsvRecord]
internal sealed partial record TargetedSweepRecord : SweepColumns
{
    public TargetedSweepRecord()
    {
    }

    private TargetedSweepRecord(SweepColumns common) : base(common)
    {
    }

    [CsvColumn("targeted_success_rate", Index = 6), CsvConverter(typeof(UpToSixDecimals))]
    public double TargetedSuccessRate { get; init; }

    [CsvColumn("target", Index = 7)]
    public string Target { get; init; } = "";

    public static TargetedSweepRecord Of(AttackSweepRow r, AttackOptions options)
        => new TargetedSweepRecord(SweepRecord.Of(r))
        {
            TargetedSuccessRate = r.TargetedSuccessRate,
            Target = options.TargetClass?.ToString(CultureInfo.InvariantCulture) ?? "least-likely",
        };
}

/// <summary>BIM's and PGD's sweep: the common columns, the steps, the step α actually used at this eps, and the restarts.</summary>
[CsvRecord]
internal sealed partial record IterativeSweepRecord : SweepColumns
{
    public IterativeSweepRecord()
    {
    }

    private IterativeSweepRecord(SweepColumns common) : base(common)
    {
    }

    [CsvColumn("steps", Index = 6)]
    public int Steps { get; init; }

    [CsvColumn("step_size", Index = 7)]
    public float StepSize { get; init; }

    [CsvColumn("restarts", Index = 8)]
    public int Restarts { get; init; }

    public static IterativeSweepRecord Of(AttackSweepRow r, AttackOptions options)
        => new IterativeSweepRecord(SweepRecord.Of(r))
        {
            Steps = options.Steps,
            StepSize = options.StepSize ?? Pgd.DefaultStepSize(r.Epsilon, options.Steps),
            Restarts = options.Restarts,
        };
}
