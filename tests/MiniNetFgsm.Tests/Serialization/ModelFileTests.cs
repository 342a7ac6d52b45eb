using System.Runtime.InteropServices;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Serialization;

/// <summary>Saving and loading <see cref="ModelZoo"/> networks as PyTorch-compatible model files, and every way loading can refuse one.</summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<string> Architectures => [.. ModelZoo.Architectures];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void SaveThenLoad_AnyArchitecture_GivesBitIdenticalParametersAndLogits(string architecture)
    {
        Sequential original = ModelZoo.Create(architecture, seed: 7);
        var x = new Tensor(TestData.Uniform(new Random(30), 3 * 28 * 28, 0f, 1f), 3, 1, 28, 28);
        string path = temp.File($"{architecture}.safetensors");

        ModelFile.Save(path, original, architecture);
        LoadedModel loaded = ModelFile.Load(path);

        Assert.Equal(architecture, loaded.Architecture);
        Assert.Equal(architecture, loaded.Metadata[ModelFile.ArchitectureKey]);
        Assert.Equal(original.Parameters.Select(p => p.Name), loaded.Model.Parameters.Select(p => p.Name));
        foreach (var (expected, actual) in original.Parameters.Zip(loaded.Model.Parameters))
        {
            Assert.Equal(expected.Value.Shape, actual.Value.Shape);
            Assert.True(MemoryMarshal.AsBytes(expected.Value.Span).SequenceEqual(MemoryMarshal.AsBytes(actual.Value.Span)), $"{expected.Name} differs");
        }

        float[] expectedLogits = original.Forward(x, training: false).Data.ToArray();
        float[] actualLogits = loaded.Model.Forward(x, training: false).Data.ToArray();
        Assert.Equal(expectedLogits, actualLogits);
    }

    [Fact]
    public void Save_LeNet_WritesPyTorchStateDictNamesAndShapesInOrder()
    {
        string path = temp.File("lenet.safetensors");

        ModelFile.Save(path, ModelZoo.Create(ModelZoo.LeNet), ModelZoo.LeNet);

        SafeTensorsFile file = SafeTensors.Read(path);
        Assert.Equal(
            ["conv1.weight [10, 1, 5, 5]", "conv1.bias [10]", "conv2.weight [20, 10, 5, 5]", "conv2.bias [20]",
             "fc1.weight [50, 320]", "fc1.bias [50]", "fc2.weight [10, 50]", "fc2.bias [10]"],
            file.Tensors.Select(t => $"{t.Name} {t.Tensor.ShapeText}"));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["architecture"] = "lenet",
                ["layers"] = """[{"name":"conv1","type":"Conv2d","in_channels":1,"out_channels":10,"kernel_size":[5,5],"stride":1,"padding":0,"bias":true},"""
                           + """{"name":"pool1","type":"MaxPool2d","kernel_size":2,"stride":2},{"name":"relu1","type":"ReLU"},"""
                           + """{"name":"conv2","type":"Conv2d","in_channels":10,"out_channels":20,"kernel_size":[5,5],"stride":1,"padding":0,"bias":true},"""
                           + """{"name":"drop1","type":"Dropout","p":0.5},{"name":"pool2","type":"MaxPool2d","kernel_size":2,"stride":2},"""
                           + """{"name":"relu2","type":"ReLU"},{"name":"flatten","type":"Flatten"},{"name":"fc1","type":"Dense","in_features":320,"out_features":50},"""
                           + """{"name":"relu3","type":"ReLU"},{"name":"drop2","type":"Dropout","p":0.5},{"name":"fc2","type":"Dense","in_features":50,"out_features":10}]""",
            },
            file.Metadata);
    }

    [Fact]
    public void Save_ModelOfAnotherArchitecture_ThrowsArgumentExceptionAndWritesNothing()
    {
        string path = temp.File("wrong.safetensors");

        var error = Assert.Throws<ArgumentException>(() => ModelFile.Save(path, ModelZoo.Create(ModelZoo.LeNet), ModelZoo.MnistCnn));

        Assert.Contains("architecture 'mnist-cnn'", error.Message);
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Save_UnknownArchitecture_ThrowsArgumentExceptionListingKnownOnes()
    {
        string path = temp.File("unknown.safetensors");

        var error = Assert.Throws<ArgumentException>(() => ModelFile.Save(path, ModelZoo.Create(ModelZoo.LeNet), "resnet"));

        Assert.Contains("known architectures: lenet, mnist-cnn", error.Message);
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Load_NoArchitectureMetadata_ThrowsInvalidDataListingKnownArchitectures()
    {
        string path = temp.File("anonymous.safetensors");
        SafeTensors.Write(path, LeNetTensors(), metadata: null);

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.StartsWith($"{path}: __metadata__ has no 'architecture' entry and no 'layers' list, so the model is unknown; known architectures: lenet, mnist-cnn", error.Message);
    }

    [Fact]
    public void Load_UnknownArchitecture_ThrowsInvalidDataListingKnownArchitectures()
    {
        string path = temp.File("resnet.safetensors");
        SafeTensors.Write(path, LeNetTensors(), Architecture("resnet"));

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Equal($"{path}: unknown architecture 'resnet'; known architectures: lenet, mnist-cnn.", error.Message);
    }

    [Fact]
    public void Load_MissingTensor_ThrowsInvalidDataNamingItAndItsShape()
    {
        string path = temp.File("missing-tensor.safetensors");
        SafeTensors.Write(path, LeNetTensors().Where(t => t.Name != "fc1.bias").ToList(), Architecture("lenet"));

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Equal($"{path}: tensor 'fc1.bias' is missing (architecture 'lenet' needs it with shape [50]).", error.Message);
    }

    [Fact]
    public void Load_TensorWithWrongShape_ThrowsInvalidDataNamingBothShapes()
    {
        string path = temp.File("wrong-shape.safetensors");
        var tensors = LeNetTensors();
        tensors[0] = ("conv1.weight", new Tensor(10, 1, 3, 3));
        SafeTensors.Write(path, tensors, Architecture("lenet"));

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Equal($"{path}: tensor 'conv1.weight' has shape [10, 1, 3, 3], but architecture 'lenet' needs [10, 1, 5, 5].", error.Message);
    }

    [Fact]
    public void Load_LeNetWeightsLabelledMnistCnn_ThrowsInvalidDataOnFirstShapeMismatch()
    {
        string path = temp.File("mislabelled.safetensors");
        SafeTensors.Write(path, LeNetTensors(), Architecture("mnist-cnn"));

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Contains("tensor 'conv1.weight' has shape [10, 1, 5, 5], but architecture 'mnist-cnn' needs [32, 1, 3, 3]", error.Message);
    }

    [Fact]
    public void Load_UnknownTensors_ThrowsInvalidDataNamingThem()
    {
        string path = temp.File("extra.safetensors");
        var tensors = LeNetTensors();
        tensors.Add(("fc3.weight", new Tensor(2, 2)));
        tensors.Insert(0, ("bn1.running_mean", new Tensor(10)));
        SafeTensors.Write(path, tensors, Architecture("lenet"));

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Equal($"{path}: unknown tensor(s) for architecture 'lenet': 'bn1.running_mean', 'fc3.weight'.", error.Message);
    }

    [Fact]
    public void Load_CorruptFile_ThrowsInvalidDataFromTheReader()
    {
        string path = temp.File("corrupt.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.StartsWith($"{path}: file is 3 bytes long", error.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFoundNamingPath()
    {
        string path = temp.File("nothing-here.safetensors");

        var error = Assert.Throws<FileNotFoundException>(() => ModelFile.Load(path));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    private static List<(string Name, Tensor Tensor)> LeNetTensors()
        => ModelZoo.Create(ModelZoo.LeNet).Parameters.Select(p => (p.Name, p.Value)).ToList();

    private static Dictionary<string, string> Architecture(string name) => new() { [ModelFile.ArchitectureKey] = name };
}
