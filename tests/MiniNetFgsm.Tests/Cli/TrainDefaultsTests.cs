using System.CommandLine;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Cli.Commands;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Cli;

/// <summary><c>mininet train</c> and <see cref="TrainingOptions"/> agree on every default, and on how each enum is spelled.</summary>
public sealed class TrainDefaultsTests
{
    [Fact]
    public void TrainCommand_NoOptions_ReadsTheLibrarysDefaultTrainingOptions()
    {
        ParseResult parse = TrainCommand.Create().Parse([]);

        TrainingOptions options = TrainCommand.ReadOptions(parse);

        Assert.Empty(parse.Errors);
        Assert.Equal(new TrainingOptions(), options);
        Assert.Equal((3, 64, OptimizerKind.Adam, 0.003f, 0.7f, LearningRateSchedule.Cyclic, 1),
            (options.Epochs, options.BatchSize, options.Optimizer, options.LearningRate, options.LearningRateDecay, options.LearningRateSchedule, options.Seed));
    }

    [Fact]
    public void TrainCommand_AdversarialFgsmAlone_ReadsTheLibrarysDefaultAdversarialOptionsWithPgdAsTheMeasure()
    {
        TrainingOptions options = TrainCommand.ReadOptions(TrainCommand.Create().Parse(["--adversarial", "fgsm"]));

        Assert.Equal(new TrainingOptions { Adversarial = new AdversarialTrainingOptions { MeasureRobustAccuracy = AttackSweep.PgdAccuracy } }, options);
    }

    [Theory]
    [InlineData("sgd", OptimizerKind.Sgd, 0.01f)]
    [InlineData("adam", OptimizerKind.Adam, 0.003f)]
    public void TrainCommand_OptimizerWithoutLr_TakesThatOptimizersDefaultRate(string name, OptimizerKind kind, float rate)
    {
        TrainingOptions options = TrainCommand.ReadOptions(TrainCommand.Create().Parse(["--optimizer", name, "--lr-schedule", "step"]));

        Assert.Equal((kind, rate, LearningRateSchedule.Step), (options.Optimizer, options.LearningRate, options.LearningRateSchedule));
        Assert.Equal(name, MiniNetFgsm.Cli.Cli.Name(kind));
    }

    [Fact]
    public void TrainCommand_GivenLr_OverridesTheDefault()
    {
        TrainingOptions options = TrainCommand.ReadOptions(TrainCommand.Create().Parse(["--optimizer", "sgd", "--lr", "0.05"]));

        Assert.Equal(0.05f, options.LearningRate);
    }

    [Theory]
    [InlineData("--optimizer", "rmsprop", "'sgd'", "'adam'")]
    [InlineData("--lr-schedule", "cosine", "'step'", "'cyclic'")]
    public void TrainCommand_UnknownName_ListsTheSameAcceptedSpellingsInTheSameOrder(string option, string value, string first, string second)
    {
        ParseResult parse = TrainCommand.Create().Parse([option, value]);

        string message = Assert.Single(parse.Errors).Message;
        Assert.Contains($"'{value}' not recognized", message);
        Assert.True(message.IndexOf(first, StringComparison.Ordinal) is >= 0 and int i && i < message.IndexOf(second, StringComparison.Ordinal), message);
    }
}
