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
        var options = new TrainingOptions { Epochs = 10, LearningRate = 0.005f, LearningRateSchedule = "cyclic" };

        float rate = options.CyclicLearningRate(progress);

        Assert.Equal(expected, rate, 6);
    }

    [Fact]
    public void Validate_UnknownSchedule_NamesIt()
    {
        var ex = Assert.Throws<ArgumentException>(new TrainingOptions { LearningRateSchedule = "cosine" }.Validate);

        Assert.Contains("Unknown learning-rate schedule 'cosine'; expected step or cyclic", ex.Message);
    }
}
