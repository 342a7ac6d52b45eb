using MiniNetFgsm.Cli;

namespace MiniNetFgsm.Tests.Cli;

/// <summary><c>mininet report</c> on the tiny MNIST folder and the model <c>train</c> wrote there (with its history).</summary>
[Collection("Console")]
public sealed class CliReportTests(TinyMnistRun run) : IClassFixture<TinyMnistRun>
{
    [Fact]
    public void Report_ModelTrainedByTrain_WritesEveryFigureWithTrainingHistoryAndReportHtml()
    {
        string outDir = Path.Combine(run.Folder, "report");

        CliResult result = Mininet.Run("report", "--weights", run.ModelPath, "--data", run.Folder, "--out", outDir, "--examples", "3", "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);          // progress goes to stderr only on a terminal or after 10 s
        string[] expected = ["accuracy_vs_eps.svg", "confusion.svg", "examples.svg", "minimal_eps.svg", "report.html", "training.svg"];
        Assert.Equal(expected, Directory.GetFiles(outDir).Select(Path.GetFileName).Order());
        Assert.Contains($"wrote {Path.Combine(outDir, "report.html")}", result.Out);
        Assert.Contains($"clean accuracy", result.Out);
    }

    [Theory]
    [InlineData("--methods", "fgsm,fgsm", "names fgsm twice")]
    [InlineData("--methods", "cw", "unknown attack 'cw'")]
    [InlineData("--examples", "0", "Examples per row must be in 1..20")]
    [InlineData("--images", "0", "--images must be in 1..200")]
    public void Report_BadOption_IsAUserErrorWithExitCode2(string option, string value, string message)
    {
        CliResult result = Mininet.Run("report", "--weights", run.ModelPath, "--data", run.Folder, "--out", Path.Combine(run.Folder, "bad"), option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public void ProgressLine_ShowsDoneTotalRateAndEtaAsHoursMinutesSeconds()
    {
        string line = StderrProgress.Line("fgsm sweep", 2500, 10000, "images", TimeSpan.FromSeconds(5));

        Assert.Equal("fgsm sweep: 2500/10000 images  500 images/s  ETA 0:00:15", line);
        Assert.Equal("1:02:03", StderrProgress.Clock(new TimeSpan(1, 2, 3)));
    }

    [Fact]
    public void Progress_NotATerminal_PrintsNothingForWorkDoneWithinTenSeconds()
    {
        using var writer = new StringWriter();
        var progress = new StderrProgress("minimal eps search", 255, "grid steps", writer, live: false);

        progress.Report(10);
        progress.Report(255);

        Assert.Equal("", writer.ToString());
    }
}
