using System.Globalization;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Benchmarking;
using MiniNetFgsm.Cli;
using MiniNetFgsm.Cli.Commands;

namespace MiniNetFgsm.Tests.Cli;

/// <summary>
/// Pins every CSV the CLI writes to its exact text: header, column order, number formats, empty fields and line endings
/// (CRLF, CsvHelper's default). Written against the hand-formatted writers before they moved to CsvHelper records.
/// </summary>
public sealed class CsvFormatTests
{
    [Fact]
    public void FgsmSweepCsv_TwoRows_HeaderAndRowsAreExactlyTheOldText()
    {
        using var temp = new TempDirectory();
        string path = temp.File("fgsm_sweep.csv");
        FgsmSweepRow[] rows = [new(0f, 9812, 10000, 0, 0.98765432101), new(0.05f, 9426, 10000, 0.0393396, 0.912345678)];

        SweepCsv.Write(path, rows);

        Assert.Equal(
            "epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence\r\n" +
            "0,0.9812,9812,10000,0,0.987654\r\n" +
            "0.05,0.9426,9426,10000,0.03934,0.912346\r\n",
            File.ReadAllText(path));
    }

    [Fact]
    public void TargetedSweepCsv_FixedAndLeastLikelyTargets_AddTargetedSuccessRateAndTarget()
    {
        using var temp = new TempDirectory();
        string fixedPath = temp.File("fixed.csv"), leastPath = temp.File("least.csv");
        AttackSweepRow[] rows = [new(0.1f, 7000, 10000, 0.2857142857, 0.5, 0.123456789)];

        SweepCsv.Write(fixedPath, rows, new AttackOptions { Method = AttackMethod.Targeted, TargetClass = 3 });
        SweepCsv.Write(leastPath, rows, new AttackOptions { Method = AttackMethod.Targeted });

        const string Header = "epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence,targeted_success_rate,target\r\n";
        Assert.Equal(Header + "0.1,0.7,7000,10000,0.285714,0.5,0.123457,3\r\n", File.ReadAllText(fixedPath));
        Assert.Equal(Header + "0.1,0.7,7000,10000,0.285714,0.5,0.123457,least-likely\r\n", File.ReadAllText(leastPath));
    }

    [Fact]
    public void PgdSweepCsv_DefaultAndGivenStepSize_AddStepsStepSizeAndRestarts()
    {
        using var temp = new TempDirectory();
        string defaultPath = temp.File("pgd.csv"), givenPath = temp.File("bim.csv");
        AttackSweepRow[] rows = [new(0.3f, 12, 10000, 0.99, 0.8, double.NaN)];

        SweepCsv.Write(defaultPath, rows, new AttackOptions { Method = AttackMethod.Pgd, Steps = 40, Restarts = 2 });
        SweepCsv.Write(givenPath, rows, new AttackOptions { Method = AttackMethod.Bim, Steps = 10, StepSize = 0.01f });

        const string Header = "epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence,steps,step_size,restarts\r\n";
        Assert.Equal(Header + "0.3,0.0012,12,10000,0.99,0.8,40,0.01875,2\r\n", File.ReadAllText(defaultPath));
        Assert.Equal(Header + "0.3,0.0012,12,10000,0.99,0.8,10,0.01,1\r\n", File.ReadAllText(givenPath));
    }

    [Fact]
    public void MinimalEpsCsv_FoundCleanMistakeAndNotFound_WritesEmptyFieldsWhenNotFound()
    {
        using var temp = new TempDirectory();
        string path = temp.File("minimal_eps.csv");
        MinimalEpsilon[] images = [new(0, 7, 7, 26, 3, 0.61234567f), new(1, 2, 8, 0, 8, 0.9f), new(2, 1, 1, null, 1, 0.999999f)];

        MinimalCsv.Write(path, images);

        Assert.Equal(
            "index,label,clean_prediction,min_k,min_epsilon,adversarial_prediction,adversarial_confidence\r\n" +
            "0,7,7,26,0.101960786,3,0.612346\r\n" +
            "1,2,8,0,0,8,0.9\r\n" +
            "2,1,1,,,1,0.999999\r\n",
            File.ReadAllText(path));
    }

    [Fact]
    public void MinimalSummaryCsv_Statistics_AreExactlyTheOldText()
    {
        using var temp = new TempDirectory();
        string path = temp.File("minimal_eps_summary.csv");
        var summary = new MinimalEpsilonSummary(200, 3, 190, 7, 0.0812345678912, 0.05, 0.0784313725, 0.1, 0.00392156863, double.PositiveInfinity);
        MinimalSummaryRow[] rows = [new(0.1f, 25, 0.55, 0.5), new(0.5f, 127, double.NaN, 0.875)];

        MinimalCsv.WriteSummary(path, summary, 50, rows, new PngRoundTrip(190, 189, [4]));

        Assert.Equal(
            "statistic,epsilon,value\r\n" +
            "images,,200\r\n" +
            "max_k,,50\r\n" +
            "clean_misclassified,,3\r\n" +
            "found,,190\r\n" +
            "not_found,,7\r\n" +
            "mean_min_epsilon_found,,0.08123457\r\n" +
            "q1_min_epsilon,,0.05\r\n" +
            "median_min_epsilon,,0.07843137\r\n" +
            "q3_min_epsilon,,0.1\r\n" +
            "min_min_epsilon,,0.00392157\r\n" +
            "max_min_epsilon,,inf\r\n" +
            "png_round_trip_checked,,190\r\n" +
            "png_round_trip_still_fooled,,189\r\n" +
            "grid_k,0.1,25\r\n" +
            "fooled_within,0.1,0.55\r\n" +
            "fooled_at,0.1,0.5\r\n" +
            "grid_k,0.5,127\r\n" +
            "fooled_within,0.5,\r\n" +
            "fooled_at,0.5,0.875\r\n",
            File.ReadAllText(path));
    }

    [Fact]
    public void BenchCsv_OneResult_HeaderAndFieldsAreTheOldConsoleText()
    {
        var result = new ThroughputResult("mnist-cnn", "train", 2, 64, 3200, 12.34567, 1e6, 3, 1 << 20);
        string old = string.Join(',', result.Model, result.Phase, result.Threads, result.Batch, result.Images,
            result.Seconds.ToString("0.000", CultureInfo.InvariantCulture), result.ImagesPerSecond.ToString("0.0", CultureInfo.InvariantCulture));

        string written = string.Join(',', CsvFile.Fields(new ThroughputRecord(result)));

        Assert.Equal("model,phase,threads,batch,images,seconds,images_per_second", string.Join(',', CsvFile.Header<ThroughputRecord>()));
        Assert.Equal("mnist-cnn,train,2,64,3200,12.346,259.2", written);
        Assert.Equal(old, written);
    }

    [Fact]
    public void SweepColumnsAndFields_ForTheTable_AreTheCsvHeaderAndRowText()
    {
        var row = new AttackSweepRow(0.3f, 12, 10000, 0.99, 0.8, double.NaN);
        var options = new AttackOptions { Method = AttackMethod.Pgd, Steps = 40, Restarts = 2 };

        Assert.Equal("epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence,steps,step_size,restarts", string.Join(',', SweepCsv.Columns(options.Method)));
        Assert.Equal("0.3,0.0012,12,10000,0.99,0.8,40,0.01875,2", string.Join(',', SweepCsv.Fields(row, options)));
    }
}
