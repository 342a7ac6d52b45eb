using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Training;

/// <summary>The repository's real MNIST files, loaded once per test run and shared (<see cref="LabeledImages"/> is immutable).</summary>
internal static class Mnist
{
    private static readonly Lazy<MnistDataset> Data = new(() => MnistDataset.Load(
        MnistDataset.FindDefaultDirectory() ?? throw new InvalidOperationException("data/mnist not found above the test directory.")));

    public static MnistDataset Dataset => Data.Value;

    /// <summary>The first <paramref name="count"/> training images.</summary>
    public static LabeledImages Train(int count) => Dataset.Train.Subset(0, count);

    /// <summary>The first <paramref name="count"/> test images.</summary>
    public static LabeledImages Test(int count) => Dataset.Test.Subset(0, count);
}

/// <summary>
/// LeNet after a short training run (1 epoch on the first 5,000 training images, Adam lr 0.002, batch 64, seed 1,
/// 2 threads), trained once per test run. Models are not thread-safe (layers own their buffers), so every caller
/// gets its own copy of the trained weights.
/// </summary>
internal static class TrainedLeNet
{
    public const int TrainImages = 5_000;
    public const int TestImages = 2_000;

    public static readonly TrainingOptions Options = new()
    {
        Epochs = 1, BatchSize = 64, Optimizer = OptimizerKind.Adam, LearningRate = 0.002f, LearningRateSchedule = LearningRateSchedule.Step, LearningRateDecay = 1f, Seed = 1, Threads = 2,
    };

    private static readonly Lazy<(float[][] Weights, EpochResult Epoch)> Run = new(() =>
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet, Options.Seed);
        IReadOnlyList<EpochResult> epochs = Trainer.Train(model, Mnist.Train(TrainImages), Mnist.Test(TestImages), Options);
        return (model.Parameters.Select(p => p.Value.Span.ToArray()).ToArray(), epochs[^1]);
    });

    /// <summary>The one epoch's summary; its TestAccuracy is on the first 2,000 test images.</summary>
    public static EpochResult Epoch => Run.Value.Epoch;

    /// <summary>A fresh LeNet holding the trained weights, with 2 threads.</summary>
    public static Sequential Create()
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet);
        float[][] weights = Run.Value.Weights;
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i].CopyTo(model.Parameters[i].Value.Span);
        }

        model.Threads = Options.Threads;
        return model;
    }
}
