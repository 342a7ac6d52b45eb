using System.Globalization;
using MiniNetFgsm.Data;
using MiniNetFgsm.Tests.Cli;
using MiniNetFgsm.Tests.Serialization;
using MiniNetFgsm.Tests.Training;

namespace MiniNetFgsm.Tests.Reference;

/// <summary>A folder holding the first 200 MNIST test images (also as the training set, which these commands never read).</summary>
public sealed class FirstTestImagesFolder : IDisposable
{
    public const int Count = 200;

    private readonly TempDirectory _dir = new();

    public FirstTestImagesFolder()
    {
        LabeledImages test = Mnist.Test(Count);
        IdxWriter.Write(test, _dir.File(MnistFiles.TrainImages), _dir.File(MnistFiles.TrainLabels));
        IdxWriter.Write(test, _dir.File(MnistFiles.TestImages), _dir.File(MnistFiles.TestLabels));
    }

    public string Path => _dir.Path;

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// Student mode, <c>mininet attack --reference</c> and <c>mininet eval --reference</c>, and <c>--images N</c> for every
/// attack method and eval, on the PyTorch-trained LeNet.
/// </summary>
[Collection("Console")]
public sealed class ReferenceCliTests(FirstTestImagesFolder data) : IClassFixture<FirstTestImagesFolder>
{
    private static readonly string Weights = PyTorchFixtureTests.Fixture("lenet_pytorch.safetensors");

    [Fact]
    public void AttackReference_FirstImages_PrintsAndWritesTheFastSweepsColumnsWithCorrectWithinOneImage()
    {
        string fastDir = System.IO.Path.Combine(data.Path, "fast"), referenceDir = System.IO.Path.Combine(data.Path, "reference");

        CliResult fast = Mininet.Run("attack", "--weights", Weights, "--data", data.Path, "--images", "60", "--out", fastDir, "--threads", "2");
        CliResult reference = Mininet.Run("attack", "--weights", Weights, "--data", data.Path, "--images", "60", "--out", referenceDir, "--reference");

        Assert.True(fast.ExitCode == 0, fast.ToString());
        Assert.True(reference.ExitCode == 0, reference.ToString());
        Assert.Empty(reference.Error);
        Assert.Contains("FGSM on 60 test images", reference.Out);
        Assert.Contains("epsilon  accuracy  correct  attack_success  mean_confidence" + Environment.NewLine, reference.Out);
        string[][] fastRows = Csv(fastDir), referenceRows = Csv(referenceDir);
        Assert.Equal(fastRows[0], referenceRows[0]);
        Assert.Equal(8, referenceRows.Length);
        for (int k = 1; k < referenceRows.Length; k++)
        {
            Assert.Equal(fastRows[k][0], referenceRows[k][0]);
            Assert.Equal("60", referenceRows[k][3]);
            Assert.InRange(int.Parse(referenceRows[k][2], CultureInfo.InvariantCulture) - int.Parse(fastRows[k][2], CultureInfo.InvariantCulture), -1, 1);
        }
    }

    [Fact]
    public void EvalReference_FirstImages_PrintsTheFastEvalsLinesWithTheSameCounts()
    {
        CliResult fast = Mininet.Run("eval", "--weights", Weights, "--data", data.Path, "--images", "100", "--threads", "2");
        CliResult reference = Mininet.Run("eval", "--weights", Weights, "--data", data.Path, "--images", "100", "--reference");

        Assert.True(reference.ExitCode == 0, reference.ToString());
        Assert.Empty(reference.Error);
        Assert.Matches(@"^lenet: test accuracy \d+\.\d\d% \(\d+/100\)", reference.Out);
        Assert.Contains("confusion matrix (rows: true label, columns: predicted)", reference.Out);
        // The first 100 images lie far from any decision boundary, so the two agree exactly here.
        Assert.Equal(fast.Out, reference.Out);
    }

    [Theory]
    [InlineData("fgsm", "FGSM")]
    [InlineData("targeted", "Targeted FGSM")]
    [InlineData("bim", "BIM")]
    [InlineData("pgd", "PGD (seed 1)")]
    public void Attack_ImagesN_AttacksOnlyTheFirstNImages(string method, string title)
    {
        string outDir = System.IO.Path.Combine(data.Path, "images-" + method);

        string[] steps = method is "bim" or "pgd" ? ["--steps", "2"] : [];       // an option the method does not use is a mistake

        CliResult result = Mininet.Run(["attack", "--weights", Weights, "--data", data.Path, "--images", "17", "--eps", "0,0.2", "--method", method,
            .. steps, "--out", outDir, "--threads", "2"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{title} on 17 test images", result.Out);
        string[][] rows = Csv(outDir, method);
        Assert.Equal(3, rows.Length);
        Assert.All(rows[1..], r => Assert.Equal("17", r[3]));
    }

    [Fact]
    public void Eval_ImagesAboveTheTestSetSize_UsesEveryTestImage()
    {
        CliResult result = Mininet.Run("eval", "--weights", Weights, "--data", data.Path, "--images", "100000", "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches($@"\(\d+/{FirstTestImagesFolder.Count}\)", result.Out);
    }

    [Theory]
    [InlineData("attack --images 0", "--images must be at least 1 (got 0).")]
    [InlineData("attack --images -3 --method pgd", "--images must be at least 1 (got -3).")]
    [InlineData("eval --images 0", "--images must be at least 1 (got 0).")]
    [InlineData("eval --images 0 --reference", "--images must be at least 1 (got 0).")]
    [InlineData("attack --images x", "Cannot parse argument 'x' for option '--images'")]
    [InlineData("attack --reference --method pgd", "--reference supports fgsm and eval (got --method pgd).")]
    [InlineData("attack --reference --method targeted", "--reference supports fgsm and eval (got --method targeted).")]
    [InlineData("attack --reference --method bim", "--reference supports fgsm and eval (got --method bim).")]
    public void BadImagesOrReferenceMethod_PrintsOneErrorLineAndExitsWith2BeforeReadingAnything(string command, string expected)
    {
        string[] args = [.. command.Split(' '), "--weights", Weights, "--data", System.IO.Path.Combine(data.Path, "never-read")];

        CliResult result = Mininet.Run(args);

        CliErrorTests.AssertOneUserErrorLine(result, expected);
    }

    [Theory]
    [InlineData("attack")]
    [InlineData("eval")]
    public void Help_DescribesReferenceAndImages(string command)
    {
        CliResult result = Mininet.Run(command, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"(?m)^\s+--reference\s.*\S", result.Out);
        Assert.Matches(@"(?m)^\s+--images\s.*\S", result.Out);
    }

    private static string[][] Csv(string folder, string method = "fgsm")
        => [.. File.ReadAllLines(System.IO.Path.Combine(folder, method + "_sweep.csv")).Select(l => l.Split(','))];
}
