using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Reporting;

public sealed class TrainingHistoryTests
{
    private static readonly TrainingHistory History = TrainingHistory.Of(
        ModelZoo.LeNet,
        new TrainingOptions { Epochs = 2, LearningRate = 0.003f, Optimizer = MiniNetFgsm.Optimizers.OptimizerKind.Adam, Threads = 2 },
        [new EpochResult(1, 0.2513, 0.9712, 8.25), new EpochResult(2, 0.0871, 0.9855, 8.0) { RobustAccuracy = 0.41 }]);

    [Fact]
    public void SaveAndLoad_HistoryInMetadata_RoundTripsEveryEpochAndSetting()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");

        ModelFile.Save(path, ModelZoo.Create(ModelZoo.LeNet), ModelZoo.LeNet, History.ToMetadata());
        LoadedModel loaded = ModelFile.Load(path);
        TrainingHistory? back = TrainingHistory.FromMetadata(loaded.Metadata);

        Assert.Equal(ModelZoo.LeNet, loaded.Architecture);
        Assert.NotNull(back);
        Assert.Equal(History.Epochs[0], back.Epochs[0]);          // NaN robust accuracy (written as null) included
        Assert.Equal(History.Epochs[1], back.Epochs[1]);
        Assert.Equal(History.Settings.OrderBy(s => s.Key), back.Settings.OrderBy(s => s.Key));
        Assert.Equal("adam", back.Settings["optimizer"]);
        Assert.Equal("0.003", back.Settings["lr"]);
    }

    [Fact]
    public void Save_WithHistory_EveryMetadataValueIsAJsonStringAsPyTorchRequires()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");

        ModelFile.Save(path, ModelZoo.Create(ModelZoo.LeNet), ModelZoo.LeNet, History.ToMetadata());
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        JsonElement metadata = header.RootElement.GetProperty("__metadata__");

        Assert.All(metadata.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(metadata.GetProperty(TrainingHistory.HistoryKey).GetString()!).RootElement.ValueKind);
    }

    [Fact]
    public void Load_FileWithoutHistory_LoadsAndHasNoHistory()
    {
        LoadedModel loaded = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", "lenet_pytorch.safetensors"));

        Assert.Null(TrainingHistory.FromMetadata(loaded.Metadata));
    }

    [Fact]
    public void FromMetadata_MalformedHistory_IsInvalidDataNamingTheKey()
    {
        var metadata = new Dictionary<string, string> { [TrainingHistory.HistoryKey] = "[{\"epoch\": \"one\"}]" };

        var ex = Assert.Throws<InvalidDataException>(() => TrainingHistory.FromMetadata(metadata));

        Assert.Contains(TrainingHistory.HistoryKey, ex.Message);
    }
}
