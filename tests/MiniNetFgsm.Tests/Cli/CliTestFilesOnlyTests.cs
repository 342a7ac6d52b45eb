using MiniNetFgsm.Data;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Cli;

/// <summary><c>eval</c> reads only the test set, so a folder holding just the two t10k files is enough.</summary>
[Collection("Console")]
public sealed class CliTestFilesOnlyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Eval_FolderWithOnlyTheTwoT10kFiles_ExitsWith0()
    {
        string repository = MnistDataset.FindDefaultDirectory() ?? throw new InvalidOperationException("data/mnist not found");
        string data = Path.Combine(_dir.Path, "data");
        Directory.CreateDirectory(data);
        foreach (string name in new[] { MnistFiles.TestImages + ".gz", MnistFiles.TestLabels + ".gz", MnistFiles.ChecksumFileName })
        {
            File.Copy(Path.Combine(repository, name), Path.Combine(data, name));
        }

        string weights = _dir.File("lenet.safetensors");
        ModelFile.Save(weights, ModelZoo.Create(ModelZoo.LeNet), ModelZoo.LeNet);

        CliResult result = Mininet.Run("eval", "--weights", weights, "--data", data, "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^lenet: test accuracy \d+\.\d\d% \(\d+/10000\)", result.Out);
    }
}
