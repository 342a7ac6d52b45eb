using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Tests.Training;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Attacks;

public class FgsmSweepTests(ITestOutputHelper output)
{
    [Fact]
    public void Run_EpsilonsInAnyOrder_GivesOneRowPerEpsInTheGivenOrder()
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet);
        LabeledImages data = Mnist.Test(100);
        float[] epsilons = [0.2f, 0f, 1f, 0.05f, 0.2f];

        IReadOnlyList<FgsmSweepRow> rows = FgsmSweep.Run(model, data, epsilons, batchSize: 64);

        Assert.Equal(epsilons, rows.Select(r => r.Epsilon));
        Assert.All(rows, r => Assert.Equal(100, r.Total));
        Assert.Equal(rows[0].Correct, rows[4].Correct);
    }

    [Fact]
    public void Run_EpsZero_AccuracyEqualsEvaluatorAndNoAttackSucceeds()
    {
        Sequential model = TrainedLeNet.Create();
        LabeledImages data = Mnist.Test(1_000);
        EvaluationResult clean = Evaluator.Evaluate(model, data);

        FgsmSweepRow row = FgsmSweep.Run(model, data, [0f]).Single();

        Assert.Equal(clean.Correct, row.Correct);
        Assert.Equal(clean.Accuracy, row.Accuracy);
        Assert.Equal(0.0, row.AttackSuccessRate);
    }

    /// <remarks>
    /// Not a theorem (a bigger step can land back on the right class), but a property of this trained model on these
    /// images, as the PyTorch tutorial's table shows for its LeNet. Measured on the first 1,000 test images, accuracy
    /// 0.859, 0.742, 0.575, 0.396, 0.234, 0.097, 0.021 and attack success 0, 0.136, 0.331, 0.539, 0.728, 0.887, 0.976
    /// at eps 0, 0.05, …, 0.3; so the test also asks that eps 0.3 more than halves the accuracy.
    /// </remarks>
    [Fact]
    public void Run_TrainedLeNetOverDefaultEpsilons_AccuracyNeverIncreasesAndSuccessRateNeverDecreases()
    {
        Sequential model = TrainedLeNet.Create();

        IReadOnlyList<FgsmSweepRow> rows = FgsmSweep.Run(model, Mnist.Test(1_000), FgsmSweep.DefaultEpsilons);

        output.WriteLine(string.Join(Environment.NewLine, rows.Select(r => $"{r.Epsilon:0.00} {r.Accuracy:0.000} {r.AttackSuccessRate:0.000} {r.MeanAdversarialConfidence:0.000}")));
        Assert.Equal(FgsmSweep.DefaultEpsilons, rows.Select(r => r.Epsilon));
        for (int i = 1; i < rows.Count; i++)
        {
            Assert.True(rows[i].Correct <= rows[i - 1].Correct, $"accuracy rose from eps {rows[i - 1].Epsilon} to {rows[i].Epsilon}");
            Assert.True(rows[i].AttackSuccessRate >= rows[i - 1].AttackSuccessRate, $"success rate fell from eps {rows[i - 1].Epsilon} to {rows[i].Epsilon}");
        }

        Assert.True(rows[^1].Accuracy < rows[0].Accuracy / 2, $"accuracy {rows[0].Accuracy:P1} at eps 0 but {rows[^1].Accuracy:P1} at eps 0.3");
    }

    [Theory]
    [InlineData(-0.01f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Run_EpsOutsideZeroOne_ThrowsArgumentOutOfRange(float eps)
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => FgsmSweep.Run(model, Mnist.Test(10), [0f, eps]));

        Assert.Contains("[0, 1]", ex.Message);
    }
}
