using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Tests.Training;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Attacks;

/// <summary>BIM and PGD on the briefly trained LeNet (<see cref="TrainedLeNet"/>) and real MNIST test images.</summary>
public class PgdTests(ITestOutputHelper output)
{
    private const int BatchSize = 250;

    [Theory]
    [InlineData(0.05f)]
    [InlineData(0.1f)]
    [InlineData(0.3f)]
    public void Attack_BimOneStepOfSizeEps_EqualsFgsmBitForBit(float eps)
    {
        var fgsm = new Fgsm(TrainedLeNet.Create());
        var bim = new Pgd(TrainedLeNet.Create()) { Steps = 1, StepSize = eps, RandomStart = false };
        int differences = 0, moved = 0;

        foreach ((Batch batch, int start) in Batches(1_000))
        {
            float[] expected = fgsm.Attack(batch.Images, batch.Labels, eps).Span.ToArray();
            float[] actual = bim.Attack(batch.Images, batch.Labels, eps, start).Span.ToArray();
            ReadOnlySpan<float> x = batch.Images.Span;
            for (int i = 0; i < expected.Length; i++)
            {
                differences += BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]) ? 0 : 1;
                moved += actual[i] != x[i] ? 1 : 0;
            }
        }

        Assert.Equal(0, differences);
        Assert.True(moved > 100_000, $"only {moved} pixels moved");
    }

    [Theory]
    [InlineData(false, 1, 0.05f)]
    [InlineData(false, 1, 0.3f)]
    [InlineData(true, 1, 0.1f)]
    [InlineData(true, 3, 0.05f)]
    [InlineData(true, 3, 0.3f)]
    public void Attack_BimAndPgd_StayInsideTheEpsBallAndZeroOne(bool randomStart, int restarts, float eps)
    {
        var attack = new Pgd(TrainedLeNet.Create()) { Steps = 5, StepSize = eps / 2, RandomStart = randomStart, Restarts = restarts };
        double worstDistance = 0;
        float min = float.MaxValue, max = float.MinValue;

        foreach ((Batch batch, int start) in Batches(500))
        {
            float[] xAdv = attack.Attack(batch.Images, batch.Labels, eps, start).Span.ToArray();
            ReadOnlySpan<float> x = batch.Images.Span;
            for (int i = 0; i < x.Length; i++)
            {
                worstDistance = Math.Max(worstDistance, Math.Abs((double)xAdv[i] - x[i]));
                min = Math.Min(min, xAdv[i]);
                max = Math.Max(max, xAdv[i]);
            }
        }

        Assert.True(worstDistance <= eps + 1e-6, $"‖x_adv − x‖∞ = {worstDistance:R} > eps {eps}");
        Assert.True(worstDistance >= eps - 1e-6, $"‖x_adv − x‖∞ = {worstDistance:R}: no pixel reached the ball's edge");
        Assert.True(min >= 0f && max <= 1f, $"x_adv spans [{min}, {max}]");
    }

    /// <remarks>
    /// Not a theorem (FGSM's single big step could happen to land somewhere the walk misses), but what iterating buys on any
    /// reasonable model. Measured on these 500 images (10 steps, α = 2.5·eps/10): see the test output.
    /// </remarks>
    [Theory]
    [InlineData(AttackMethod.Bim)]
    [InlineData(AttackMethod.Pgd)]
    public void Sweep_BimAndPgd_AreAtLeastAsStrongAsFgsm(AttackMethod method)
    {
        LabeledImages data = Mnist.Test(500);
        float[] epsilons = [0.1f, 0.2f];

        IReadOnlyList<FgsmSweepRow> fgsm = FgsmSweep.Run(TrainedLeNet.Create(), data, epsilons);
        IReadOnlyList<AttackSweepRow> iterative = AttackSweep.Run(TrainedLeNet.Create(), data, epsilons, new AttackOptions { Method = method, Steps = 10 });

        for (int k = 0; k < epsilons.Length; k++)
        {
            output.WriteLine($"eps {epsilons[k]}: FGSM {fgsm[k].Accuracy:0.000}, {method} {iterative[k].Accuracy:0.000}");
            Assert.True(iterative[k].Correct <= fgsm[k].Correct, $"eps {epsilons[k]}: {method} leaves {iterative[k].Correct} correct, FGSM {fgsm[k].Correct}");
        }
    }

    [Fact]
    public void Attack_MoreRestarts_FoolsEveryImageThatTheFirstRestartFools()
    {
        var once = new Pgd(TrainedLeNet.Create()) { Steps = 3 };
        var thrice = new Pgd(TrainedLeNet.Create()) { Steps = 3, Restarts = 3 };
        Sequential judge = TrainedLeNet.Create();
        int[] predictedOnce = new int[BatchSize], predictedThrice = new int[BatchSize];
        float[] confidence = new float[BatchSize];
        int fooledOnce = 0, fooledThrice = 0;

        foreach ((Batch batch, int start) in Batches(500))
        {
            Predictions.Compute(judge.Forward(once.Attack(batch.Images, batch.Labels, 0.1f, start), training: false), predictedOnce, confidence);
            Predictions.Compute(judge.Forward(thrice.Attack(batch.Images, batch.Labels, 0.1f, start), training: false), predictedThrice, confidence);
            for (int i = 0; i < BatchSize; i++)
            {
                bool a = predictedOnce[i] != batch.Labels[i], b = predictedThrice[i] != batch.Labels[i];
                Assert.False(a && !b, $"image {start + i}: fooled by restart 0 alone but not by 3 restarts");
                fooledOnce += a ? 1 : 0;
                fooledThrice += b ? 1 : 0;
            }
        }

        output.WriteLine($"fooled at eps 0.1 after 3 steps: {fooledOnce}/500 with 1 restart, {fooledThrice}/500 with 3");
        Assert.True(fooledThrice > fooledOnce, "two more random restarts fooled no further image");
    }

    [Fact]
    public void Attack_SameSeedGivesSameBits_OtherSeedChangesTheRandomStart()
    {
        // One tiny step, so x_adv is (almost) the random start; black and white pixels are clamped back to 0 or 1 by
        // half of the draws, so two independent starts differ at about 3/4 of the pixels.
        (Batch batch, int start) = Batches(250).First();
        float[] Run(int seed) => new Pgd(TrainedLeNet.Create()) { Steps = 1, StepSize = 1e-4f, Seed = seed }.Attack(batch.Images, batch.Labels, 0.1f, start).Span.ToArray();

        float[] first = Run(seed: 1), again = Run(seed: 1), other = Run(seed: 2);

        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), again.Select(BitConverter.SingleToInt32Bits));
        int differ = first.Zip(other).Count(p => p.First != p.Second);
        Assert.True(differ > first.Length / 2, $"seeds 1 and 2 give {differ} different pixels of {first.Length}");
    }

    [Fact]
    public void Attack_EpsZero_ReturnsXBitForBit()
    {
        var attack = new Pgd(TrainedLeNet.Create()) { Steps = 3, Restarts = 2 };
        (Batch batch, int start) = Batches(250).First();

        float[] xAdv = attack.Attack(batch.Images, batch.Labels, 0f, start).Span.ToArray();

        Assert.Equal(batch.Images.Span.ToArray().Select(BitConverter.SingleToInt32Bits), xAdv.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Attack_AfterWarmUp_AllocatesNothing(int restarts)
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet);
        model.Threads = 1;
        var attack = new Pgd(model) { Steps = 2, Restarts = restarts };
        var x = new Tensor(TestData.Uniform(new Random(1), 8 * 28 * 28, 0, 1), 8, 1, 28, 28);
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];

        attack.Attack(x, labels, 0.1f);
        long allocated = Allocations.LeastAfterWarmUp(() => attack.Attack(x, labels, 0.2f), calls: 1);

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Create_FromOptions_CopiesTheSettingsAndRefusesOtherMethods()
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet);

        Pgd pgd = Pgd.Create(model, new AttackOptions { Method = AttackMethod.Pgd, Steps = 7, StepSize = 0.01f, Restarts = 2, Seed = 9 });
        Pgd bim = Pgd.Create(model, new AttackOptions { Method = AttackMethod.Bim });

        Assert.Equal((7, 0.01f, 2, true, 9), (pgd.Steps, pgd.StepSize!.Value, pgd.Restarts, pgd.RandomStart, pgd.Seed));
        Assert.Equal((40, null, 1, false), (bim.Steps, bim.StepSize, bim.Restarts, bim.RandomStart));
        Assert.Throws<ArgumentException>(() => Pgd.Create(model, new AttackOptions { Method = AttackMethod.Fgsm }));
        Assert.Equal(2.5f * 0.3f / 40, Pgd.DefaultStepSize(0.3f, 40));
    }

    /// <summary>Batches of <see cref="BatchSize"/> over the first <paramref name="images"/> test images, with each batch's first index.</summary>
    private static IEnumerable<(Batch Batch, int Start)> Batches(int images)
    {
        LabeledImages test = Mnist.Test(images);
        for (int start = 0; start < test.Count; start += BatchSize)
        {
            yield return (new Batch().Fill(test, start, BatchSize), start);
        }
    }
}
