using System.Diagnostics;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests;

/// <summary>
/// A writer killed with SIGKILL (<see cref="Process.Kill()"/> on Linux) in the middle of an <see cref="AtomicFile"/> write
/// leaves the old file intact and nothing a user would see: only a hidden <c>.{name}.{random}.tmp</c>, which the next
/// write to the same file deletes, while a live writer's temporary file survives another writer's cleanup.
/// </summary>
public sealed class AtomicFileKillTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);  // the machine may be busy

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void KilledWhileWritingACsv_LeavesTheOldFileIntactAndNothingVisible_AndTheNextWriteCleansUp()
    {
        string path = temp.File("sweep.csv");
        AtomicFile.WriteText(path, writer => writer.WriteLine("the old content"));
        byte[] old = File.ReadAllBytes(path);

        using Process child = ChildProcess.Start("stall-csv", path, "200000");
        ChildProcess.WaitUntilReady(child, Patience);
        string[] hidden = HiddenTemporaryFiles();
        long halfWritten = new FileInfo(Path.Combine(temp.Path, Assert.Single(hidden))).Length;
        child.Kill();
        Assert.True(child.WaitForExit(Patience));

        Assert.True(halfWritten > 1_000_000, $"the child had written only {halfWritten} bytes when killed");
        Assert.Equal(old, File.ReadAllBytes(path));
        Assert.Equal(["sweep.csv"], VisibleEntries());
        Assert.Equal(hidden, HiddenTemporaryFiles());  // the kill could not clean up: only the next write can
        output.WriteLine($"killed (exit code {child.ExitCode}) with {halfWritten} bytes in {hidden[0]}; sweep.csv intact");

        AtomicFile.WriteText(path, writer => writer.WriteLine("the new content"));

        Assert.Equal(["sweep.csv"], temp.Entries());
        Assert.Equal("the new content\n", File.ReadAllText(path));
    }

    [Fact]
    public void KilledWhileWritingAModel_LeavesTheOldOrTheWholeNewModel_NeverHalf()
    {
        string path = temp.File("model.safetensors");
        SafeTensors.Write(path, [("weight", new Tensor(new float[] { 1f, 1f, 1f }, 3))]);
        byte[] old = File.ReadAllBytes(path);
        const int floats = 64 << 20;  // 256 MB: the write takes long enough to be caught in the middle

        using Process child = ChildProcess.Start("write-model", path, $"{floats}");
        ChildProcess.WaitUntilReady(child, Patience);
        var waited = Stopwatch.StartNew();
        while (HiddenTemporaryFiles().Length == 0 && !child.HasExited && waited.Elapsed < Patience)
        {
            Thread.SpinWait(1000);
        }

        child.Kill();
        Assert.True(child.WaitForExit(Patience));

        byte[] now = File.ReadAllBytes(path);
        bool intact = now.AsSpan().SequenceEqual(old);
        Assert.True(intact || IsCompleteNewModel(path, floats), "model.safetensors is neither the old file nor the complete new one");
        Assert.Equal(["model.safetensors"], VisibleEntries());
        output.WriteLine(intact
            ? $"killed mid-write: old model intact, left {string.Join(", ", HiddenTemporaryFiles())}"
            : "the write finished before the kill: the complete new model is in place");

        SafeTensors.Write(path, [("weight", new Tensor(new float[] { 3f }, 1))]);

        Assert.Equal(["model.safetensors"], temp.Entries());
    }

    [Fact]
    public void AnotherWriteWhileAWriterIsAlive_LeavesItsTemporaryFileAlone()
    {
        string path = temp.File("sweep.csv");
        using Process child = ChildProcess.Start("stall-csv", path, "10");
        ChildProcess.WaitUntilReady(child, Patience);
        string[] live = HiddenTemporaryFiles();

        AtomicFile.WriteText(path, writer => writer.WriteLine("written while the child is alive"));

        Assert.Equal(live, HiddenTemporaryFiles());  // alive: its lock kept the cleanup away
        child.Kill();
        Assert.True(child.WaitForExit(Patience));
        AtomicFile.WriteText(path, writer => writer.WriteLine("written after the child died"));
        Assert.Equal(["sweep.csv"], temp.Entries());
    }

    private static bool IsCompleteNewModel(string path, int floats)
    {
        Tensor weight = SafeTensors.Read(path)["weight"];
        return weight.Length == floats && !weight.Span.ContainsAnyExcept(2f);
    }

    private string[] VisibleEntries() => temp.Entries().Where(name => !name.StartsWith('.')).ToArray();

    private string[] HiddenTemporaryFiles() => temp.Entries().Where(name => name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal)).ToArray();
}
