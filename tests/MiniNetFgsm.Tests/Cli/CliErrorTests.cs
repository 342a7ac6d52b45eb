using MiniNetFgsm.Tests.Data;
using CliCore = MiniNetFgsm.Cli.Cli;

namespace MiniNetFgsm.Tests.Cli;

/// <summary>
/// Mistakes on the command line: each prints one line on stderr naming the problem, nothing that looks like a stack
/// trace, and exits with code 2. None gets as far as reading the real MNIST files or writing anything.
/// </summary>
[Collection("Console")]
public sealed class CliErrorTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", "lenet_random.safetensors");

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("eval --weights {missing}", "missing.safetensors: file not found")]
    [InlineData("attack --weights {garbage}", "header length")]
    [InlineData("attack --weights {truncated}", "truncated.safetensors:")]
    [InlineData("attack --weights {fixture} --eps 1.5", "--eps value 1.5 is outside [0, 1]")]
    [InlineData("attack --weights {fixture} --eps 0,-0.1", "--eps value -0.1 is outside [0, 1]")]
    [InlineData("attack --weights {fixture} --eps abc", "--eps value 'abc' is not a number")]
    [InlineData("attack --weights {fixture} --eps ,", "--eps needs at least one value")]
    [InlineData("attack", "Option '--weights' is required")]
    [InlineData("train --model vgg", "'vgg' not recognized")]
    [InlineData("train --optimizer rmsprop", "'rmsprop' not recognized")]
    [InlineData("train --epochs 0", "Epochs must be at least 1 (got 0)")]
    [InlineData("train --epochs abc", "Cannot parse argument 'abc' for option '--epochs'")]
    [InlineData("train --batch 0", "Batch size must be at least 1 (got 0)")]
    [InlineData("train --lr -1", "Learning rate must be a positive number")]
    [InlineData("train --threads 0", "--threads must be between 1 and 1024 (got 0)")]
    [InlineData("eval --weights {fixture} --threads 0", "--threads must be between 1 and 1024 (got 0)")]
    [InlineData("train --data {empty}", "Data file not found")]
    [InlineData("train --data {missingDir}", "does not exist")]
    [InlineData("eval --weights {fixture} --data {empty}", "Data file not found")]
    [InlineData("attack --weights {fixture} --data {missingDir}", "does not exist")]
    [InlineData("minimal --weights {fixture} --max-eps 1.5", "--max-eps 1.5 is outside [0, 1]")]
    [InlineData("minimal --weights {fixture} --png -1", "--png must be 0 or more (got -1)")]
    [InlineData("minimal --weights {fixture} --eps 2", "--eps value 2 is outside [0, 1]")]
    [InlineData("minimal --weights {missing}", "missing.safetensors: file not found")]
    [InlineData("minimal", "Option '--weights' is required")]
    [InlineData("train --eps 0.3", "--eps applies only to adversarial training; add --adversarial fgsm")]
    [InlineData("train --robust-steps 5", "--robust-steps applies only to adversarial training")]
    [InlineData("train --adversarial pgd", "'pgd' not recognized")]
    [InlineData("train --adversarial fgsm --eps 0", "Adversarial eps must be in (0, 1] (got 0)")]
    [InlineData("train --adversarial fgsm --adv-step -1", "Adversarial step size must be a positive number (got -1)")]
    [InlineData("train --adversarial fgsm --robust-steps 0", "Robust-accuracy PGD steps must be at least 1 (got 0)")]
    [InlineData("train --lr-schedule cosine", "'cosine' not recognized")]
    [InlineData("train --lr-decay 0.5", "--lr-decay applies only to --lr-schedule step")]
    [InlineData("bench --warmup -1", "--warmup must be between 0 and 3600 seconds (got -1)")]
    [InlineData("bench --batch 0", "--batch must be at least 1 (got 0)")]
    [InlineData("bench --images 0", "--images must be at least 1 (got 0)")]
    [InlineData("bench --model vgg", "'vgg' not recognized")]
    [InlineData("", "no command given; the commands are demo, train, eval, attack, minimal, report, bench")]
    [InlineData("foo", "unknown command 'foo'; the commands are demo, train")]
    [InlineData("--foo", "unknown command '--foo'")]
    [InlineData("train --bogus --also-bogus", "Unrecognized command or argument '--bogus'. (and 1 more problem)")]
    [InlineData("train --out {emptySlash}", "is a folder; give a file name")]
    [InlineData("train --out {empty}", "is a folder; give a file name")]
    [InlineData("train --out {file}/m.safetensors", "cannot be written: its folder")]
    [InlineData("train --out /proc/x/m.safetensors", "cannot be written: its folder /proc/x: no folder can be created there")]
    [InlineData("train --checkpoint-dir /proc/x", "--checkpoint-dir '/proc/x' cannot be written: no folder can be created there")]
    [InlineData("train --checkpoint-dir {file}", "cannot be written: it is a file, not a folder")]
    [InlineData("attack --weights {fixture} --out /proc/x", "--out '/proc/x' cannot be written: no folder can be created there")]
    [InlineData("attack --weights {fixture} --out {file}", "cannot be written: it is a file, not a folder")]
    [InlineData("minimal --weights {fixture} --out /proc/x", "--out '/proc/x' cannot be written: no folder can be created there")]
    [InlineData("demo --out /proc/x", "--out '/proc/x' cannot be written")]
    [InlineData("attack --weights {fixture} --method fgsm --steps 5", "--steps applies only to --method bim or pgd")]
    [InlineData("attack --weights {fixture} --step-size 0.01", "--step-size applies only to --method bim or pgd")]
    [InlineData("attack --weights {fixture} --method bim --restarts 3", "--restarts applies only to --method pgd")]
    [InlineData("attack --weights {fixture} --method targeted --seed 3", "--seed applies only to --method pgd")]
    [InlineData("attack --weights {fixture} --method pgd --target 3", "--target applies only to --method targeted")]
    [InlineData("attack --weights {fixture} --eps 0.1,,0.2", "--eps '0.1,,0.2' has an empty item (number 2)")]
    [InlineData("attack --weights {fixture} --eps 0.1,", "has an empty item (number 2)")]
    [InlineData("minimal --weights {fixture} --eps ,0.1", "has an empty item (number 1)")]
    [InlineData("train --resume {fixture}", "not a checkpoint (__metadata__ has no 'checkpoint' entry)")]
    [InlineData("train --resume {missing}", "missing.safetensors: file not found")]
    [InlineData("train --resume {missing} --epochs 5", "--epochs comes from the checkpoint when resuming")]
    [InlineData("train --resume {missing} --adversarial fgsm", "--adversarial comes from the checkpoint when resuming")]
    public void Run_UserMistake_PrintsOneErrorLineAndExitsWith2(string commandLine, string expected)
    {
        string[] args = Arguments(commandLine);

        CliResult result = Mininet.Run(args);

        AssertOneUserErrorLine(result, expected);
        Assert.DoesNotContain(".mininet-probe-", string.Join(' ', _dir.Entries()));
    }

    [Fact]
    public void Run_MistakeFoundAfterTheOutputCheck_LeavesNoFolderBehind()
    {
        string path = Path.Combine(_dir.File("new"), "sub", "m.safetensors");

        CliResult result = Mininet.Run("train", "--out", path, "--data", _dir.File("no-such-folder"));

        AssertOneUserErrorLine(result, "does not exist");
        Assert.False(Directory.Exists(_dir.File("new")), "the output check's folder was left behind");
    }

    /// <summary>Exit code 2 and exactly one stderr line, "error: …" containing <paramref name="expected"/>, with no stack trace.</summary>
    internal static void AssertOneUserErrorLine(CliResult result, string expected)
    {
        Assert.True(result.ExitCode == CliCore.UserErrorExit, result.ToString());
        string[] lines = result.Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.DoesNotContain("Exception", result.Error);
    }

    [Fact]
    public void Run_Help_ExitsWith0AndListsEveryCommand()
    {
        CliResult result = Mininet.Run("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        string commands = result.Out[result.Out.IndexOf("Commands:", StringComparison.Ordinal)..];
        foreach (string command in new[] { "train", "eval", "attack", "minimal", "bench", "demo" })
        {
            Assert.Matches($@"(?m)^\s+{command}\s", commands);
        }

        Assert.Empty(result.Error);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("eval")]
    [InlineData("attack")]
    [InlineData("minimal")]
    [InlineData("bench")]
    public void Run_CommandHelp_ExitsWith0AndDescribesItsOptions(string command)
    {
        CliResult result = Mininet.Run(command, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("--data", result.Out);
        Assert.Contains("--threads", result.Out);
        Assert.Empty(result.Error);
    }

    /// <remarks>
    /// In-process System.CommandLine reports the entry assembly's version, which here is the test host's (18.0.1), so
    /// this only checks the shape; the real <c>mininet --version</c> prints 0.1.0+commit.
    /// </remarks>
    [Fact]
    public void Run_Version_ExitsWith0AndPrintsOneLine()
    {
        CliResult result = Mininet.Run("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(result.Out.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(result.Error);
    }

    /// <summary>Splits on spaces and fills in the placeholders with files in this test's temp folder.</summary>
    private string[] Arguments(string commandLine)
    {
        Directory.CreateDirectory(_dir.File("empty"));
        byte[] valid = File.ReadAllBytes(Fixture);
        var garbage = new byte[100];
        new Random(5).NextBytes(garbage);
        var replacements = new Dictionary<string, string>
        {
            ["{fixture}"] = Fixture,
            ["{missing}"] = _dir.File("missing.safetensors"),
            ["{garbage}"] = _dir.Write("garbage.safetensors", garbage),
            ["{truncated}"] = _dir.Write("truncated.safetensors", valid[..(valid.Length / 2)]),
            ["{empty}"] = _dir.File("empty"),
            ["{missingDir}"] = _dir.File("no-such-folder"),
        };
        File.WriteAllText(_dir.File("file"), "not a folder");
        replacements["{emptySlash}"] = _dir.File("empty") + "/";
        replacements["{file}/m.safetensors"] = Path.Combine(_dir.File("file"), "m.safetensors");
        replacements["{file}"] = _dir.File("file");
        return commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => replacements.GetValueOrDefault(a, a)).ToArray();
    }
}
