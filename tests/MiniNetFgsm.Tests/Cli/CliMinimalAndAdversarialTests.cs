using System.Globalization;
using MiniNetFgsm.Tests.Imaging;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Cli;

/// <summary><c>mininet minimal</c> and <c>mininet train --adversarial fgsm</c> on the tiny MNIST folder.</summary>
[Collection("Console")]
public sealed class CliMinimalAndAdversarialTests(TinyMnistRun run) : IClassFixture<TinyMnistRun>
{
    [Fact]
    public void Minimal_TrainedModelOnTinyFolder_WritesPerImageCsvSummaryAndPngsThatReadBack()
    {
        string outDir = Path.Combine(run.Folder, "minimal");

        CliResult result = Mininet.Run("minimal", "--weights", run.ModelPath, "--data", run.Folder, "--out", outDir, "--png", "3", "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Contains($"minimal FGSM eps on {TinyMnistRun.TestCount} test images", result.Out);
        Assert.Contains("8-bit PNG round trip", result.Out);
        string[] lines = File.ReadAllLines(Path.Combine(outDir, "minimal_eps.csv"));
        Assert.Equal("index,label,clean_prediction,min_k,min_epsilon,adversarial_prediction,adversarial_confidence", lines[0]);
        Assert.Equal(TinyMnistRun.TestCount + 1, lines.Length);
        foreach (string line in lines[1..])
        {
            string[] f = line.Split(',');
            Assert.Equal(7, f.Length);
            int label = int.Parse(f[1], CultureInfo.InvariantCulture), adversarial = int.Parse(f[5], CultureInfo.InvariantCulture);
            if (f[3].Length == 0)
            {
                Assert.Equal("", f[4]);
                Assert.Equal(label, adversarial);            // never fooled: still the true class at the largest eps
            }
            else
            {
                int k = int.Parse(f[3], CultureInfo.InvariantCulture);
                Assert.Equal(k / 255f, float.Parse(f[4], CultureInfo.InvariantCulture));
                Assert.NotEqual(label, adversarial);
            }
        }

        string[] summary = File.ReadAllLines(Path.Combine(outDir, "minimal_eps_summary.csv"));
        Assert.Equal("statistic,epsilon,value", summary[0]);
        Assert.Contains($"images,,{TinyMnistRun.TestCount}", summary);
        Assert.Contains(summary, l => l.StartsWith("median_min_epsilon,,", StringComparison.Ordinal));
        Assert.Contains(summary, l => l.StartsWith("fooled_at,0.3,", StringComparison.Ordinal));
        string[] pngs = Directory.GetFiles(Path.Combine(outDir, "minimal_png"), "*.png");
        Assert.Equal(3, pngs.Length);
        Assert.All(pngs, p => Assert.Equal((28, 28), (PngDecoder.Read(p).Width, PngDecoder.Read(p).Height)));
        Assert.Empty(Directory.GetFiles(run.Folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void TrainAdversarial_TinyFolder_PrintsPgdRobustAccuracyPerEpochAndSavesTheModel()
    {
        string model = Path.Combine(run.Folder, "adv.safetensors");

        CliResult result = Mininet.Run("train", "--data", run.Folder, "--epochs", "1", "--threads", "2", "--adversarial", "fgsm", "--eps", "0.1",
            "--robust-images", "100", "--robust-steps", "3", "--out", model);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("adversarial training: FGSM from a random start, eps 0.1, step 0.125", result.Out);
        Assert.Matches(@"epoch 1: train loss \d+\.\d{4}, test accuracy \d+\.\d\d%, PGD robust accuracy \d+\.\d\d%", result.Out);
        Assert.Equal(ModelZoo.LeNet, ModelFile.Load(model).Architecture);
    }
}
