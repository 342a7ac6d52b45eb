using System.Globalization;
using MiniNetFgsm.Tests.Cli;

namespace MiniNetFgsm.Tests.Attacks;

/// <summary><c>mininet attack --method …</c> on the tiny IDX folder of <see cref="TinyMnistRun"/>, and its option errors.</summary>
[Collection("Console")]
public sealed class AttackCliTests(TinyMnistRun run) : IClassFixture<TinyMnistRun>
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", "lenet_random.safetensors");

    [Theory]
    [InlineData("pgd", "PGD (seed 1)", "steps,step_size,restarts", "--steps", "2", "--restarts", "2")]
    [InlineData("bim", "BIM", "steps,step_size,restarts", "--steps", "2", "--step-size", "0.01")]
    [InlineData("targeted", "Targeted FGSM", "targeted_success_rate,target", "--target", "3")]
    public void Attack_Method_WritesItsCsvWithTheExactHeaderAndPrintsTheSameFields(string method, string title, string methodColumns, params string[] settings)
    {
        string outDir = Path.Combine(run.Folder, "method-" + method);

        CliResult result = Mininet.Run(["attack", "--weights", run.ModelPath, "--data", run.Folder, "--eps", "0,0.1", "--out", outDir, "--threads", "2", "--method", method, .. settings]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Contains($"{title} on {TinyMnistRun.TestCount} test images", result.Out);
        Assert.Equal([method + "_sweep.csv"], Directory.GetFiles(outDir).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(run.Folder, "*.tmp", SearchOption.AllDirectories));
        string[] lines = File.ReadAllLines(Path.Combine(outDir, method + "_sweep.csv"));
        Assert.Equal(3, lines.Length);
        Assert.Equal("epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence," + methodColumns, lines[0]);
        string[][] csv = [.. lines.Select(l => l.Split(','))];
        Assert.Equal(["0", "0.1"], csv[1..].Select(r => r[0]));
        Assert.All(csv[1..], r => Assert.Equal(TinyMnistRun.TestCount.ToString(CultureInfo.InvariantCulture), r[3]));
        Assert.Equal("0", csv[1][4]);   // nothing is attacked at eps 0

        // The printed table is the CSV, field for field, aligned under the same column names.
        string[] printed = result.Out.Split(Environment.NewLine);
        int header = Array.FindIndex(printed, l => l.TrimStart().StartsWith("epsilon", StringComparison.Ordinal));
        Assert.True(header >= 0, result.Out);
        for (int i = 0; i < csv.Length; i++)
        {
            Assert.Equal(csv[i], printed[header + i].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    [Fact]
    public void Attack_PgdTwice_SameSeedSameFileAndAnotherSeedStillValid()
    {
        string[] Args(string dir, string seed) => ["attack", "--weights", run.ModelPath, "--data", run.Folder, "--eps", "0.2", "--out", Path.Combine(run.Folder, dir),
                                                   "--threads", "2", "--method", "pgd", "--steps", "2", "--seed", seed];

        CliResult first = Mininet.Run(Args("seed-a", "7")), again = Mininet.Run(Args("seed-b", "7")), other = Mininet.Run(Args("seed-c", "8"));

        Assert.True(first.ExitCode == 0 && again.ExitCode == 0 && other.ExitCode == 0, first.ToString());
        string Csv(string dir) => File.ReadAllText(Path.Combine(run.Folder, dir, "pgd_sweep.csv"));
        Assert.Equal(Csv("seed-a"), Csv("seed-b"));
        Assert.StartsWith("epsilon,", Csv("seed-c"));
    }

    [Theory]
    [InlineData("--method rmsprop", "'rmsprop' not recognized")]
    [InlineData("--method pgd --steps 0", "Steps must be at least 1 (got 0)")]
    [InlineData("--method bim --steps -3", "Steps must be at least 1 (got -3)")]
    [InlineData("--steps abc", "Cannot parse argument 'abc' for option '--steps'")]
    [InlineData("--method bim --step-size 0", "Step size must be a positive number (got 0)")]
    [InlineData("--method pgd --step-size -0.1", "Step size must be a positive number (got -0.1)")]
    [InlineData("--method pgd --step-size NaN", "Step size must be a positive number (got NaN)")]
    [InlineData("--step-size abc", "Cannot parse argument 'abc' for option '--step-size'")]
    [InlineData("--method pgd --restarts 0", "Restarts must be at least 1 (got 0)")]
    [InlineData("--method bim --restarts 3", "--restarts applies only to --method pgd (its random starts)")]
    [InlineData("--restarts x", "Cannot parse argument 'x' for option '--restarts'")]
    [InlineData("--method targeted --target 10", "--target must be a class 0..9 or least-likely (got '10')")]
    [InlineData("--method targeted --target -1", "--target must be a class 0..9 or least-likely (got '-1')")]
    [InlineData("--method targeted --target most-likely", "--target must be a class 0..9 or least-likely (got 'most-likely')")]
    [InlineData("--seed 1.5", "Cannot parse argument '1.5' for option '--seed'")]
    public void Attack_BadOptionValue_PrintsOneErrorLineAndExitsWith2(string options, string expected)
    {
        string[] args = ["attack", "--weights", Fixture, "--data", Path.Combine(run.Folder, "never-read"), .. options.Split(' ')];

        CliResult result = Mininet.Run(args);

        CliErrorTests.AssertOneUserErrorLine(result, expected);
    }

    [Fact]
    public void AttackHelp_DescribesEveryMethodOption()
    {
        CliResult result = Mininet.Run("attack", "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string option in new[] { "--method", "--steps", "--step-size", "--restarts", "--target", "--seed" })
        {
            Assert.Matches($@"(?m)^\s+{option}\s.*\S", result.Out);
        }

        Assert.Contains("least-likely", result.Out);
    }
}
