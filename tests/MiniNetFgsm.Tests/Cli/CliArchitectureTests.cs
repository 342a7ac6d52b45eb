using MiniNetFgsm.Layers;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Tests.Serialization;

namespace MiniNetFgsm.Tests.Cli;

/// <summary><c>mininet eval/attack --architecture</c>: a file PyTorch saved without metadata.</summary>
[Collection("Console")]
public sealed class CliArchitectureTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private string StateDictOnly()
    {
        string path = temp.File("state_dict.safetensors");
        Sequential lenet = ModelFile.Load(PyTorchFixtureTests.Fixture("lenet_pytorch.safetensors")).Model;
        SafeTensors.Write(path, [.. lenet.Parameters.Select(p => (p.Name, p.Value))], metadata: null);
        return path;
    }

    [Fact]
    public void Eval_FileWithoutMetadataAndNoArchitecture_ExitsTwoNamingTheOption()
    {
        CliResult result = Mininet.Run("eval", "--weights", StateDictOnly(), "--images", "50");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no 'architecture' entry and no 'layers' list", result.Error);
        Assert.Contains("--architecture", result.Error);
    }

    [Fact]
    public void EvalAndAttack_FileWithoutMetadataWithArchitecture_RunAsForTheFixture()
    {
        string path = StateDictOnly();
        string fixture = PyTorchFixtureTests.Fixture("lenet_pytorch.safetensors");

        CliResult eval = Mininet.Run("eval", "--weights", path, "--architecture", "lenet", "--images", "200");
        CliResult expected = Mininet.Run("eval", "--weights", fixture, "--images", "200");
        CliResult attack = Mininet.Run("attack", "--weights", path, "--architecture", "lenet", "--images", "50", "--eps", "0.1", "--out", temp.Path);

        Assert.Equal(0, eval.ExitCode);
        Assert.Equal(expected.Out, eval.Out);
        Assert.Equal(0, attack.ExitCode);
        Assert.Contains("0.10", attack.Out);
    }

    [Fact]
    public void Eval_UnknownArchitecture_IsRejectedByTheParser()
    {
        CliResult result = Mininet.Run("eval", "--weights", StateDictOnly(), "--architecture", "resnet");

        Assert.NotEqual(0, result.ExitCode);
    }
}
