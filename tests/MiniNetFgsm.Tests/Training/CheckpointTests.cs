using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Training;

/// <summary>
/// Checkpoints and resume: a run stopped after an epoch, or in the middle of one, written to a checkpoint file, read back
/// into a fresh model and continued, ends with exactly the weights of the run that was never stopped.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private const int Images = 448;       // 7 batches of 64: fast, and enough steps for Adam's state to matter

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(OptimizerKind.Adam, LearningRateSchedule.Cyclic)]
    [InlineData(OptimizerKind.Sgd, LearningRateSchedule.Step)]
    public void Resume_FromTheEpoch1Checkpoint_GivesBitIdenticalWeightsToTwoEpochsStraight(OptimizerKind optimizer, LearningRateSchedule schedule)
    {
        TrainingOptions options = Options(optimizer, schedule);
        LabeledImages train = Mnist.Train(Images);
        Sequential straight = ModelZoo.Create(ModelZoo.LeNet, options.Seed);
        var checkpoints = new List<string>();
        Trainer.Train(straight, train, null, options, checkpoint: state => checkpoints.Add(Save(straight, state)));

        (LoadedModel loaded, TrainingState state) = TrainingCheckpoint.Load(checkpoints[0]);
        IReadOnlyList<EpochResult> resumed = Trainer.Train(loaded.Model, train, null, state.Options, resume: state);

        Assert.Equal(2, checkpoints.Count);
        Assert.Equal((2, 0, 1), (state.Epoch, state.Batch, state.History.Count));
        Assert.Equal([1, 2], resumed.Select(e => e.Epoch));
        AssertSameBits(straight, loaded.Model);
    }

    [Fact]
    public void Resume_AfterCancellationInTheMiddleOfAnEpoch_GivesBitIdenticalWeightsAndLoss()
    {
        // Adversarial training too: its random starts are streams keyed by (epoch, image position), its gradient step draws dropout masks.
        TrainingOptions options = Options(OptimizerKind.Adam, LearningRateSchedule.Step) with
        {
            Adversarial = new AdversarialTrainingOptions { Epsilon = 0.1f, RobustImages = 0 },
        };
        LabeledImages train = Mnist.Train(Images);
        Sequential straight = ModelZoo.Create(ModelZoo.LeNet, options.Seed);
        IReadOnlyList<EpochResult> expected = Trainer.Train(straight, train, null, options);

        Sequential interrupted = ModelZoo.Create(ModelZoo.LeNet, options.Seed);
        using var cancel = new CancellationTokenSource();
        string? file = null;
        var progress = new Inline<TrainingProgress>(p =>
        {
            if (p.Epoch == 2 && p.Batch == 3)
            {
                cancel.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => Trainer.Train(interrupted, train, null, options, progress, checkpoint: state => file = Save(interrupted, state), cancellation: cancel.Token));
        (LoadedModel loaded, TrainingState state) = TrainingCheckpoint.Load(file!);
        IReadOnlyList<EpochResult> resumed = Trainer.Train(loaded.Model, train, null, state.Options, resume: state);

        Assert.EndsWith("epoch-2-batch-3.safetensors", file);
        Assert.Equal(expected.Select(e => e.TrainLoss), resumed.Select(e => e.TrainLoss));
        AssertSameBits(straight, loaded.Model);
    }

    [Fact]
    public void Checkpoint_LoadsAsAModelAndHoldsOnlyStringMetadataAndDistinctlyNamedStateTensors()
    {
        TrainingOptions options = Options(OptimizerKind.Adam, LearningRateSchedule.Cyclic) with { Epochs = 1 };
        Sequential model = ModelZoo.Create(ModelZoo.LeNet, options.Seed);
        string? file = null;
        Trainer.Train(model, Mnist.Train(128), null, options, checkpoint: state => file = Save(model, state));

        LoadedModel asModel = ModelFile.Load(file!);
        SafeTensorsFile raw = SafeTensors.Read(file!);

        AssertSameBits(model, asModel.Model);
        Assert.Equal(["architecture", "checkpoint"], raw.Metadata.Keys.Order());
        string[] names = [.. raw.Tensors.Select(t => t.Name)];
        Assert.Equal(model.Parameters.Count * 3, names.Length);
        Assert.All(model.Parameters, p => Assert.Contains($"optimizer.{p.Name}.m", names));
        Assert.All(model.Parameters, p => Assert.Contains($"optimizer.{p.Name}.v", names));
    }

    [Fact]
    public void Load_APlainModelFile_SaysItIsNotACheckpoint()
    {
        string path = _dir.File("plain.safetensors");
        ModelFile.Save(path, ModelZoo.Create(ModelZoo.LeNet), ModelZoo.LeNet);

        var ex = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(path));

        Assert.Contains("not a checkpoint", ex.Message);
    }

    [Fact]
    public void Resume_WithOtherSettingsOrAnotherTrainingSet_Throws()
    {
        TrainingOptions options = Options(OptimizerKind.Adam, LearningRateSchedule.Cyclic) with { Epochs = 1 };
        Sequential model = ModelZoo.Create(ModelZoo.LeNet, options.Seed);
        TrainingState? saved = null;
        Trainer.Train(model, Mnist.Train(128), null, options, checkpoint: state => saved = state);

        var otherSeed = Assert.Throws<ArgumentException>(() => Trainer.Train(model, Mnist.Train(128), null, options with { Seed = 9 }, resume: saved));
        var otherSet = Assert.Throws<ArgumentException>(() => Trainer.Train(model, Mnist.Train(64), null, options, resume: saved));

        Assert.Contains("same settings", otherSeed.Message);
        Assert.Contains("128 training images", otherSet.Message);
    }

    private static TrainingOptions Options(OptimizerKind optimizer, LearningRateSchedule schedule) => new()
    {
        Epochs = 2, BatchSize = 64, Optimizer = optimizer, LearningRateSchedule = schedule, Seed = 3, Threads = 2,
    };

    /// <summary>Writes <paramref name="state"/> as the CLI names it; returns the path.</summary>
    private string Save(Sequential model, TrainingState state)
    {
        string path = _dir.File(state.Batch == 0 ? $"epoch-{state.History.Count}.safetensors" : $"epoch-{state.Epoch}-batch-{state.Batch}.safetensors");
        TrainingCheckpoint.Save(path, model, state);
        return path;
    }

    internal static void AssertSameBits(Sequential expected, Sequential actual)
    {
        Assert.Equal(expected.Parameters.Count, actual.Parameters.Count);
        for (int k = 0; k < expected.Parameters.Count; k++)
        {
            Assert.True(
                expected.Parameters[k].Value.Span.ToArray().Select(BitConverter.SingleToInt32Bits)
                    .SequenceEqual(actual.Parameters[k].Value.Span.ToArray().Select(BitConverter.SingleToInt32Bits)),
                $"{expected.Parameters[k].Name} differs");
        }
    }

    /// <summary>An <see cref="IProgress{T}"/> that runs on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
