using System.Globalization;
using System.Text.RegularExpressions;
using MiniNetFgsm.Data;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Tests.Data;
using MiniNetFgsm.Tests.Training;

namespace MiniNetFgsm.Tests.Cli;

/// <summary>
/// A tiny MNIST-format folder (the first 600 training and 200 test images of the real set, raw IDX files) and a LeNet
/// trained on it for one epoch by <c>mininet train --data DIR --epochs 1 --threads 2 --out DIR/m.safetensors</c>.
/// </summary>
public sealed class TinyMnistRun : IDisposable
{
    public const int TrainCount = 600;
    public const int TestCount = 200;

    private readonly TempDirectory _dir = new();

    public TinyMnistRun()
    {
        Write(Mnist.Train(TrainCount), MnistFiles.TrainImages, MnistFiles.TrainLabels);
        Write(Mnist.Test(TestCount), MnistFiles.TestImages, MnistFiles.TestLabels);
        Train = Mininet.Run("train", "--data", Folder, "--epochs", "1", "--threads", "2", "--out", ModelPath);
    }

    public string Folder => _dir.Path;

    public string ModelPath => _dir.File("m.safetensors");

    internal CliResult Train { get; }

    public void Dispose() => _dir.Dispose();

    private void Write(LabeledImages data, string images, string labels) => IdxWriter.Write(data, _dir.File(images), _dir.File(labels));
}

[Collection("Console")]
public sealed class CliHappyPathTests(TinyMnistRun run) : IClassFixture<TinyMnistRun>
{
    private static readonly string[] DataFiles = [MnistFiles.TrainImages, MnistFiles.TrainLabels, MnistFiles.TestImages, MnistFiles.TestLabels];

    [Fact]
    public void Train_TinyFolderOneEpoch_ExitsWith0AndSavesALoadableLeNet()
    {
        CliResult result = run.Train;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Contains($"data: {TinyMnistRun.TrainCount} training and {TinyMnistRun.TestCount} test images", result.Out);
        Assert.Matches(@"epoch 1: train loss \d+\.\d{4}, test accuracy \d+\.\d\d%", result.Out);
        Assert.Contains($"saved {run.ModelPath}", result.Out);
        Assert.Equal(ModelZoo.LeNet, ModelFile.Load(run.ModelPath).Architecture);
        Assert.Equal(
            DataFiles.Append("m.safetensors").Order(StringComparer.Ordinal),
            Directory.GetFiles(run.Folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Eval_TrainedModelOnTinyFolder_PrintsAccuracyAndAConfusionMatrixOfTheTestLabels()
    {
        CliResult result = Mininet.Run("eval", "--weights", run.ModelPath, "--data", run.Folder, "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Match accuracy = Regex.Match(result.Out, @"^lenet: test accuracy (\d+\.\d\d)% \((\d+)/200\)", RegexOptions.Multiline);
        Assert.True(accuracy.Success, result.Out);
        int[,] confusion = ParseConfusion(result.Out);
        int correct = Enumerable.Range(0, 10).Sum(i => confusion[i, i]);
        Assert.Equal(int.Parse(accuracy.Groups[2].Value, CultureInfo.InvariantCulture), correct);
        Assert.Equal(correct / 2.0, double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture), 2);
        LabeledImages test = Mnist.Test(TinyMnistRun.TestCount);
        for (int label = 0; label < 10; label++)
        {
            int row = Enumerable.Range(0, 10).Sum(j => confusion[label, j]);
            Assert.Equal(test.Labels.ToArray().Count(l => l == label), row);
        }
    }

    [Fact]
    public void Attack_TrainedModelOnTinyFolder_WritesTheSweepCsvAndNoTemporaryFiles()
    {
        string outDir = Path.Combine(run.Folder, "o");

        CliResult result = Mininet.Run("attack", "--weights", run.ModelPath, "--data", run.Folder, "--eps", "0,0.1", "--out", outDir, "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Contains($"FGSM on {TinyMnistRun.TestCount} test images", result.Out);
        Assert.Equal(["fgsm_sweep.csv"], Directory.GetFiles(outDir).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(run.Folder, "*.tmp", SearchOption.AllDirectories));
        string[] lines = File.ReadAllLines(Path.Combine(outDir, "fgsm_sweep.csv"));
        Assert.Equal(3, lines.Length);
        Assert.Equal("epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence", lines[0]);
        double[][] rows = lines[1..].Select(ParseRow).ToArray();
        Assert.Equal([0.0, 0.1], rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal(TinyMnistRun.TestCount, r[3]));
        Assert.All(rows, r => Assert.Equal(r[2] / r[3], r[1], 6));
        Assert.All(rows, r => Assert.InRange(r[4], 0.0, 1.0));
        Assert.All(rows, r => Assert.InRange(r[5], 0.1, 1.0));
        Assert.Equal(0.0, rows[0][4]);
        Assert.True(rows[1][2] <= rows[0][2], $"correct rose from {rows[0][2]} at eps 0 to {rows[1][2]} at eps 0.1");
    }

    [Fact]
    public void Attack_EpsBelowOneTenThousandth_WritesEachEpsilonSoItReadsBackAsTheSameFloat()
    {
        string outDir = Path.Combine(run.Folder, "small-eps");
        string[] epsilons = ["0.00001", "0.0039215686", "0"];

        CliResult result = Mininet.Run("attack", "--weights", run.ModelPath, "--data", run.Folder, "--eps", string.Join(',', epsilons), "--out", outDir, "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] written = File.ReadAllLines(Path.Combine(outDir, "fgsm_sweep.csv"))[1..].Select(line => line.Split(',')[0]).ToArray();
        Assert.Equal(
            epsilons.Select(e => float.Parse(e, CultureInfo.InvariantCulture)),
            written.Select(e => float.Parse(e, NumberStyles.Float, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Bench_TinyRun_PrintsTheCsvHeaderAndOneRowPerPhase()
    {
        CliResult result = Mininet.Run("bench", "--model", "lenet", "--data", run.Folder, "--images", "96", "--batch", "32", "--threads", "2", "--warmup", "0");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Out.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        string[] csv = lines.Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal("model,phase,threads,batch,images,seconds,images_per_second", csv[0]);
        Assert.Equal(["train", "infer", "fgsm"], csv.Skip(1).Select(l => l.Split(',')[1]));
        foreach (string row in csv.Skip(1))
        {
            string[] f = row.Split(',');
            Assert.Equal(["lenet", "2", "32", "96"], new[] { f[0], f[2], f[3], f[4] });
            double seconds = double.Parse(f[5], CultureInfo.InvariantCulture), rate = double.Parse(f[6], CultureInfo.InvariantCulture);
            Assert.True(rate > 0 && Math.Abs(rate * seconds - 96) <= rate * 0.0005 + 0.5, row);    // seconds is rounded to 1 ms
        }

        Assert.Contains("# model,phase,gflops_per_second,gen0_collections,allocated_kb,steady_bytes_per_batch", lines);
        Assert.Equal(3, lines.Count(l => Regex.IsMatch(l, @"^# lenet,(train|infer|fgsm),\d+\.\d,\d+,\d+,$")));
    }

    private static double[] ParseRow(string line)
    {
        string[] fields = line.Split(',');
        Assert.Equal(6, fields.Length);
        return fields.Select(f => double.Parse(f, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The 10 rows under "confusion matrix": the true label, then ten counts.</summary>
    private static int[,] ParseConfusion(string output)
    {
        string[] lines = output.Split(Environment.NewLine);
        int start = Array.FindIndex(lines, l => l.StartsWith("confusion matrix", StringComparison.Ordinal)) + 2;
        Assert.True(start >= 2, output);
        var confusion = new int[10, 10];
        for (int i = 0; i < 10; i++)
        {
            int[] numbers = lines[start + i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(11, numbers.Length);
            Assert.Equal(i, numbers[0]);
            for (int j = 0; j < 10; j++)
            {
                confusion[i, j] = numbers[j + 1];
            }
        }

        return confusion;
    }
}
