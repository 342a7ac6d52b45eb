using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Training;

public class TrainingOptionsTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(2.0, 0.0025)]     // half way up
    [InlineData(4.0, 0.005)]      // the peak, at 40% of 10 epochs
    [InlineData(7.0, 0.0025)]     // half way down (4 → 10)
    [InlineData(10.0, 0.0)]
    public void CyclicLearningRate_OneCycleTriangle_RisesToThePeakAt40PercentAndFallsToZero(double progress, double expected)
    {
        var options = new TrainingOptions { Epochs = 10, LearningRate = 0.005f, LearningRateSchedule = LearningRateSchedule.Cyclic };

        float rate = options.CyclicLearningRate(progress);

        Assert.Equal(expected, rate, 6);
    }

    [Fact]
    public void Validate_UndefinedSchedule_NamesIt()
    {
        var ex = Assert.Throws<ArgumentException>(new TrainingOptions { LearningRateSchedule = (LearningRateSchedule)5 }.Validate);

        Assert.Contains("Unknown learning-rate schedule '5'; expected step or cyclic", ex.Message);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 0.003f)]
    [InlineData(OptimizerKind.Sgd, 0.01f)]
    public void LearningRate_NotSet_IsTheOptimizersDefault(OptimizerKind optimizer, float expected)
    {
        var options = new TrainingOptions { Optimizer = optimizer };

        Assert.Equal(expected, options.LearningRate);
        Assert.Equal(0.02f, (options with { LearningRate = 0.02f }).LearningRate);
    }
}
