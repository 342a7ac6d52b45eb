using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Training;

/// <summary>The divergence guard: a blown-up loss stops training with the epoch and batch, before the step that would use it.</summary>
public sealed class DivergenceTests
{
    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void Train_LearningRate1e6_ThrowsNamingTheEpochAndBatch(OptimizerKind optimizer)
    {
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, Optimizer = optimizer, LearningRate = 1e6f, LearningRateSchedule = LearningRateSchedule.Step, Threads = 2 };
        Sequential model = ModelZoo.Create(ModelZoo.LeNet, options.Seed);

        var ex = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(model, Mnist.Train(640), null, options));

        Assert.Equal(1, ex.Epoch);
        Assert.InRange(ex.Batch, 2, 20);      // batch 1 starts from the initial weights, whose loss is about ln 10
        Assert.True(!double.IsFinite(ex.Loss) || ex.Loss > options.MaxLoss, $"loss {ex.Loss}");
        Assert.StartsWith($"training diverged in epoch 1, batch {ex.Batch} of 20: the batch loss is ", ex.Message);
    }

    [Fact]
    public void Train_BoundBelowTheFirstBatchLoss_ThrowsBeforeAnyStep()
    {
        // ln 10 ≈ 2.30 at chance: a bound of 1 nat is crossed by the very first batch, which must then change nothing.
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, MaxLoss = 1, Threads = 2 };
        Sequential model = ModelZoo.Create(ModelZoo.LeNet, options.Seed);
        float[][] before = [.. model.Parameters.Select(p => p.Value.Span.ToArray())];

        var ex = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(model, Mnist.Train(64), null, options));

        Assert.Equal((1, 1), (ex.Epoch, ex.Batch));
        Assert.Contains("above the bound of 1", ex.Message);
        Assert.All(model.Parameters.Select((p, k) => (p, k)), x => Assert.Equal(before[x.k], x.p.Value.Span.ToArray()));
    }
}
