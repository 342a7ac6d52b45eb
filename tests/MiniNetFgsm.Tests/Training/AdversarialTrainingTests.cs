using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Training;

/// <summary>FGSM adversarial training ("fast is better than free") on small subsets of the real MNIST set.</summary>
public class AdversarialTrainingTests(ITestOutputHelper output)
{
    private const float Eps = 0.1f;
    private const int TrainImages = 5_000;
    private const int TestImages = 500;

    private static readonly TrainingOptions Plain = new()
    {
        Epochs = 2, BatchSize = 64, Optimizer = OptimizerKind.Adam, LearningRate = 0.002f, LearningRateSchedule = LearningRateSchedule.Step, LearningRateDecay = 1f, Seed = 3, Threads = 2,
    };

    private static readonly TrainingOptions Adversarial = Plain with
    {
        Adversarial = new AdversarialTrainingOptions { Epsilon = Eps, RobustImages = 200, RobustSteps = 5, MeasureRobustAccuracy = AttackSweep.PgdAccuracy },
    };

    [Fact]
    public void Train_AdversarialOnASubset_RaisesPgdRobustAccuracyAboveThePlainModel()
    {
        (Sequential plain, _) = TrainLeNet(Plain);
        (Sequential robust, IReadOnlyList<EpochResult> epochs) = TrainLeNet(Adversarial);

        double plainRobust = Pgd10(plain), adversarialRobust = Pgd10(robust);

        output.WriteLine($"PGD-10 (eps {Eps}) accuracy on {TestImages} test images: plain {plainRobust:P1}, adversarially trained {adversarialRobust:P1}");
        output.WriteLine($"per-epoch robust accuracy reported by the trainer: {string.Join(", ", epochs.Select(e => e.RobustAccuracy.ToString("P1")))}");
        Assert.True(adversarialRobust > plainRobust + 0.05, $"adversarial {adversarialRobust:P1} vs plain {plainRobust:P1}");
        Assert.All(epochs, e => Assert.InRange(e.RobustAccuracy, 0, 1));
        Assert.All(epochs, e => Assert.False(e.CatastrophicOverfitting));
    }

    [Fact]
    public void Train_AdversarialTwiceWithTheSameSeedAndThreads_GivesBitIdenticalWeights()
    {
        TrainingOptions options = Adversarial with { Epochs = 1, Adversarial = Adversarial.Adversarial! with { RobustImages = 0 } };

        float[][] first = Weights(TrainLeNet(options, trainImages: 1_000).Model);
        float[][] second = Weights(TrainLeNet(options, trainImages: 1_000).Model);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Train_AdversarialVersusPlain_ChangesTheWeights()
    {
        TrainingOptions adversarial = Adversarial with { Epochs = 1, Adversarial = Adversarial.Adversarial! with { RobustImages = 0 } };

        float[][] plain = Weights(TrainLeNet(Plain with { Epochs = 1 }, trainImages: 1_000).Model);
        float[][] robust = Weights(TrainLeNet(adversarial, trainImages: 1_000).Model);

        Assert.NotEqual(plain, robust);
    }

    [Fact]
    public void FastFgsmExamples_StayInsideTheEpsBallAndZeroOneAndRepeatForTheSameSeed()
    {
        Sequential model = TrainedLeNet.Create();
        var batch = new Batch().Fill(Mnist.Test(64), 0, 64);
        var settings = new AdversarialTrainingOptions { Epsilon = 0.3f };
        var examples = new FastFgsmExamples(model, settings, seed: 5);

        float[] xAdv = examples.Make(batch.Images, batch.Labels, epoch: 1, firstPosition: 0).Span.ToArray();
        float[] again = new FastFgsmExamples(TrainedLeNet.Create(), settings, seed: 5).Make(batch.Images, batch.Labels, epoch: 1, firstPosition: 0).Span.ToArray();
        float[] otherEpoch = new FastFgsmExamples(TrainedLeNet.Create(), settings, seed: 5).Make(batch.Images, batch.Labels, epoch: 2, firstPosition: 0).Span.ToArray();

        ReadOnlySpan<float> x = batch.Images.Span;
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)xAdv[i] - x[i]));
            Assert.InRange(xAdv[i], 0f, 1f);
        }

        Assert.True(worst <= 0.3 + 1e-6, $"‖x_adv − x‖∞ = {worst}");
        Assert.True(worst >= 0.3 - 1e-6, $"no pixel reached the ball's edge: {worst}");
        Assert.Equal(xAdv, again);
        Assert.NotEqual(xAdv, otherEpoch);
    }

    [Fact]
    public void RobustnessMonitor_AccuracyFallingBelowHalfTheBest_IsACollapseAndRestoresTheBestWeights()
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet, seed: 1);
        var monitor = new RobustnessMonitor(model, collapseRatio: 0.5);
        float[] epoch2Weights = null!;

        Assert.False(monitor.Observe(1, 0.40));
        model.Parameters[0].Value.Span.Fill(0.25f);
        epoch2Weights = model.Parameters[0].Value.Span.ToArray();
        Assert.False(monitor.Observe(2, 0.60));
        model.Parameters[0].Value.Span.Fill(-1f);
        Assert.False(monitor.Observe(3, 0.31));     // above half of 0.60
        bool collapsed = monitor.Observe(4, 0.29);  // below half of 0.60
        int? restored = monitor.RestoreBest();

        Assert.True(collapsed);
        Assert.Equal(2, restored);
        Assert.Equal(epoch2Weights, model.Parameters[0].Value.Span.ToArray());
    }

    [Fact]
    public void RobustnessMonitor_LowRobustAccuracyEarlyOn_IsNotACollapseButAFallToNearZeroLaterIs()
    {
        var monitor = new RobustnessMonitor(ModelZoo.Create(ModelZoo.LeNet), collapseRatio: 0.1);

        Assert.False(monitor.Observe(1, 0.01));     // not robust yet: nothing to collapse from
        Assert.False(monitor.Observe(2, 0.05));
        Assert.True(monitor.Observe(3, 0.01));      // below the 2% floor after 5%, though above 0.1 × 5%
        Assert.Equal(2, monitor.RestoreBest());
    }

    [Fact]
    public void Validate_BadAdversarialSettings_NameTheSetting()
    {
        var bad = Plain with { Adversarial = new AdversarialTrainingOptions { Epsilon = 1.5f } };

        var ex = Assert.Throws<ArgumentException>(bad.Validate);

        Assert.Contains("Adversarial eps must be in (0, 1]", ex.Message);
    }

    private static (Sequential Model, IReadOnlyList<EpochResult> Epochs) TrainLeNet(TrainingOptions options, int trainImages = TrainImages)
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet, options.Seed);
        IReadOnlyList<EpochResult> epochs = Trainer.Train(model, Mnist.Train(trainImages), Mnist.Test(TestImages), options);
        model.Threads = 2;
        return (model, epochs);
    }

    private static double Pgd10(Sequential model)
        => AttackSweep.Run(model, Mnist.Test(TestImages), [Eps], new AttackOptions { Method = AttackMethod.Pgd, Steps = 10, Seed = 9 })[0].Accuracy;

    private static float[][] Weights(Sequential model) => model.Parameters.Select(p => p.Value.Span.ToArray()).ToArray();
}
