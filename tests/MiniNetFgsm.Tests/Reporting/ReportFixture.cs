using MiniNetFgsm.Layers;
using MiniNetFgsm.Reporting;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Tests.Training;
using MiniNetFgsm.Models;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Reporting;

/// <summary>
/// The report for the PyTorch-trained LeNet on the first 300 test images (with a made-up two-epoch training history, so
/// training.svg is drawn too), computed and written once for every test of <see cref="ReportTests"/>.
/// </summary>
public sealed class ReportFixture : IDisposable
{
    public const int Images = 300;

    private readonly TempDirectory _dir = new();

    public ReportFixture()
    {
        LoadedModel loaded = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", "lenet_pytorch.safetensors"));
        Model = loaded.Model;
        Model.Threads = 2;
        History = new TrainingHistory(
            new Dictionary<string, string> { ["epochs"] = "2", ["optimizer"] = "adam" },
            [new EpochResult(1, 0.31, 0.962, 4.5), new EpochResult(2, 0.12, 0.981, 4.4)]);
        Data = RobustnessReport.Compute(Model, loaded.Architecture, "lenet_pytorch.safetensors", Mnist.Test(Images), new ReportOptions(), History);
        Files = HtmlReport.Write(Data, _dir.Path);
    }

    public Sequential Model { get; }

    public TrainingHistory History { get; }

    public ReportData Data { get; }

    public ReportFiles Files { get; }

    public void Dispose() => _dir.Dispose();
}
