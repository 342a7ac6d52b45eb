using System.Diagnostics;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;
using CliCore = MiniNetFgsm.Cli.Cli;

namespace MiniNetFgsm.Tests.Cli;

/// <summary>
/// <c>mininet train --checkpoint-dir</c>, <c>--resume</c>, Ctrl-C and the divergence guard, on the tiny MNIST folder (600
/// training images, 10 batches an epoch). Two tests run the real <c>mininet</c> in a child process to kill or interrupt it.
/// </summary>
[Collection("Console")]
public sealed class CheckpointCliTests(TinyMnistRun run) : IClassFixture<TinyMnistRun>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Train_ResumedFromTheEpoch1Checkpoint_SavesBitIdenticalWeightsToTwoEpochsStraight()
    {
        string checkpoints = _dir.File("ckpt"), straight = _dir.File("straight.safetensors"), resumed = _dir.File("resumed.safetensors");

        CliResult first = Mininet.Run("train", "--data", run.Folder, "--epochs", "2", "--threads", "2", "--checkpoint-dir", checkpoints, "--out", straight);
        CliResult second = Mininet.Run("train", "--resume", Path.Combine(checkpoints, "epoch-1.safetensors"), "--data", run.Folder, "--out", resumed);
        CliResult eval = Mininet.Run("eval", "--weights", Path.Combine(checkpoints, "epoch-1.safetensors"), "--data", run.Folder, "--threads", "2");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"checkpoint: wrote {Path.Combine(checkpoints, "epoch-2.safetensors")}", first.Out);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("1 of 2 epochs done", second.Out);
        Assert.DoesNotContain("epoch 1:", second.Out);
        Assert.Contains("epoch 2:", second.Out);
        AssertSameTensors(straight, resumed);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains("lenet: test accuracy", eval.Out);
    }

    [Fact]
    public void Train_WithAThreadCountOtherThanTheCheckpoints_IsRefused()
    {
        string checkpoints = _dir.File("ckpt");
        Mininet.Run("train", "--data", run.Folder, "--epochs", "1", "--threads", "2", "--checkpoint-dir", checkpoints, "--out", _dir.File("m.safetensors"));

        CliResult result = Mininet.Run("train", "--resume", Path.Combine(checkpoints, "epoch-1.safetensors"), "--data", run.Folder, "--threads", "1");

        CliErrorTests.AssertOneUserErrorLine(result, "--threads 1 differs from the checkpoint's 2");
    }

    [Fact]
    public void Train_LearningRate1e6_StopsNamingEpochAndBatchExitsWith2AndSavesNothing()
    {
        string output = _dir.File("m.safetensors");

        CliResult result = Mininet.Run("train", "--data", run.Folder, "--epochs", "2", "--lr", "1e6", "--threads", "2", "--checkpoint-dir", _dir.File("ckpt"), "--out", output);

        CliErrorTests.AssertOneUserErrorLine(result, "training diverged in epoch 1, batch ");
        Assert.Contains($"Nothing was saved to {output}; try a smaller --lr", result.Error);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.Exists(_dir.File("ckpt")) ? Directory.GetFiles(_dir.File("ckpt")) : []);
    }

    [Fact]
    public void Train_KilledAfterTheEpoch1Checkpoint_ResumesToTheUninterruptedRunsWeights()
    {
        string checkpoints = _dir.File("ckpt"), straight = _dir.File("straight.safetensors"), resumed = _dir.File("resumed.safetensors");
        string[] settings = ["--data", run.Folder, "--epochs", "3", "--threads", "2", "--lr-schedule", "step", "--lr-decay", "0.7"];

        using (Process child = Start([.. settings, "--checkpoint-dir", checkpoints, "--out", _dir.File("killed.safetensors")], out LineWaiter lines))
        {
            Assert.True(lines.WaitFor("checkpoint: wrote", TimeSpan.FromSeconds(60)), lines.ToString());
            child.Kill(entireProcessTree: true);     // SIGKILL: no chance to clean up
            child.WaitForExit();
            Assert.NotEqual(0, child.ExitCode);
        }

        CliResult uninterrupted = Mininet.Run(["train", .. settings, "--out", straight]);
        CliResult continued = Mininet.Run("train", "--resume", Path.Combine(checkpoints, "epoch-1.safetensors"), "--data", run.Folder, "--out", resumed);

        Assert.False(File.Exists(_dir.File("killed.safetensors")));
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
        Assert.True(continued.ExitCode == 0, continued.ToString());
        AssertSameTensors(straight, resumed);
    }

    [Fact]
    public void Train_Sigint_FinishesTheBatchWritesACheckpointSaysWhereAndExits130()
    {
        string checkpoints = _dir.File("ckpt"), output = _dir.File("m.safetensors");

        int exitCode;
        LineWaiter lines;
        using (Process child = Start(["--data", run.Folder, "--epochs", "100", "--threads", "2", "--checkpoint-dir", checkpoints, "--out", output], out lines))
        {
            Assert.True(lines.WaitFor("checkpoint: wrote", TimeSpan.FromSeconds(60)), lines.ToString());
            using (Process kill = Process.Start("kill", ["-INT", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(60)), lines.ToString());
            child.WaitForExit();
            exitCode = child.ExitCode;
        }

        Assert.True(exitCode == CliCore.InterruptedExit, $"exit {exitCode}{Environment.NewLine}{lines}");
        string error = lines.Errors[^1];       // the last stderr line (progress lines, if any, come before it)
        Assert.Matches(@"^interrupted: Ctrl-C (in epoch \d+ after \d+ batches|after epoch \d+); checkpoint saved to .*epoch-\d+(-batch-\d+)?\.safetensors; continue with: mininet train --resume ", error);
        string saved = error[(error.IndexOf("saved to ", StringComparison.Ordinal) + 9)..error.IndexOf("; continue", StringComparison.Ordinal)];
        (LoadedModel _, TrainingState state) = TrainingCheckpoint.Load(saved);
        Assert.True(state.Epoch >= 2 && !state.IsFinished, $"epoch {state.Epoch}, batch {state.Batch}");
        Assert.False(File.Exists(output));
    }

    /// <summary>Every tensor of the two files has the same name, shape and bits (the metadata may differ, e.g. timings).</summary>
    private static void AssertSameTensors(string expectedPath, string actualPath)
    {
        SafeTensorsFile expected = SafeTensors.Read(expectedPath), actual = SafeTensors.Read(actualPath);
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        foreach ((string name, Tensor tensor) in expected.Tensors)
        {
            Assert.True(tensor.HasShape(actual[name].Shape), name);
            Assert.True(tensor.Span.SequenceEqual(actual[name].Span) && tensor.Span.ToArray().Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual[name].Span.ToArray().Select(BitConverter.SingleToInt32Bits)), $"{name} differs");
        }
    }

    /// <summary>Starts <c>dotnet mininet.dll train {args}</c> (the CLI this test project built) in this test's temp folder.</summary>
    private Process Start(string[] args, out LineWaiter lines)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mininet.dll"));
        start.ArgumentList.Add("train");
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        lines = new LineWaiter(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Collects a child's stdout and stderr lines and lets a test wait for a stdout line containing some text.</summary>
    private sealed class LineWaiter
    {
        private readonly List<string> output = [], errors = [];

        public LineWaiter(Process process)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (output)
                    {
                        output.Add(e.Data);
                        Monitor.PulseAll(output);
                    }
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (errors)
                    {
                        errors.Add(e.Data);
                    }
                }
            };
        }

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (errors)
                {
                    return [.. errors];
                }
            }
        }

        public bool WaitFor(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            lock (output)
            {
                while (!output.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    TimeSpan left = timeout - clock.Elapsed;
                    if (left <= TimeSpan.Zero)
                    {
                        return false;
                    }

                    Monitor.Wait(output, left);
                }

                return true;
            }
        }

        public override string ToString()
        {
            lock (output)
            {
                lock (errors)
                {
                    return $"stdout:{Environment.NewLine}{string.Join(Environment.NewLine, output)}{Environment.NewLine}stderr:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}";
                }
            }
        }
    }
}
