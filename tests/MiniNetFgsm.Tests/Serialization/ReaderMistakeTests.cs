using System.Buffers.Binary;
using MiniNetFgsm.Data;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Tests.Data;

namespace MiniNetFgsm.Tests.Serialization;

/// <summary>The readers answer a user's mistakes clearly: non-finite weights name the tensor, a directory is called one.</summary>
public sealed class ReaderMistakeTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Load_ModelWithANonFiniteWeight_IsRejectedNamingTheTensorAndElement(float bad, string shown)
    {
        string path = temp.File("model.safetensors");
        var model = ModelZoo.Create(ModelZoo.LeNet);
        model.Parameters.Single(p => p.Name == "fc1.bias").Value.Span[17] = bad;
        ModelFile.Save(path, model, ModelZoo.LeNet);

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Equal($"{path}: tensor 'fc1.bias' holds {shown} at element 17 of 50; a model's weights must all be finite.", error.Message);
    }

    [Fact]
    public void Read_SafeTensorsFileWithNaN_StillLoads_OnlyAModelMustBeFinite()
    {
        string path = temp.File("values.safetensors");
        SafeTensors.Write(path, [("x", new Tensor(new[] { float.NaN, 1f }, 2))]);

        Tensor x = SafeTensors.Read(path)["x"];

        Assert.True(float.IsNaN(x.Span[0]));
    }

    [Fact]
    public void Load_DirectoryAsModel_SaysItIsADirectory()
    {
        string directory = temp.File("weights.safetensors");
        Directory.CreateDirectory(directory);

        var error = Assert.Throws<FileNotFoundException>(() => ModelFile.Load(directory));

        Assert.Equal($"{directory}: is a directory, not a file.", error.Message);
    }

    [Fact]
    public void Read_DirectoryAsIdxFile_SaysItIsADirectory()
    {
        string directory = temp.File("t10k-images-idx3-ubyte");
        Directory.CreateDirectory(directory);
        string labels = temp.Write("labels", IdxBytes.Labels(1));

        var error = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(directory, labels));

        Assert.Equal($"{directory}: is a directory, not an IDX file", error.Message);
    }

    [Fact]
    public void Read_HeaderOfTheModelPassedAsImages_IsInvalidData()
    {
        // A user mixing up --weights and --data files gets the IDX reader's answer, not a crash.
        string path = temp.File("model.safetensors");
        ModelFile.Save(path, ModelZoo.Create(ModelZoo.LeNet), ModelZoo.LeNet);
        string labels = temp.Write("labels", IdxBytes.Labels(1));
        Assert.NotEqual(0x0803u, BinaryPrimitives.ReadUInt32BigEndian(File.ReadAllBytes(path)));

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path, labels));

        Assert.StartsWith("model.safetensors: bad magic number", error.Message);
    }
}
