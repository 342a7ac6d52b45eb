using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Tests.Training;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Attacks;

/// <summary>Targeted FGSM on the briefly trained LeNet (<see cref="TrainedLeNet"/>) and the first 1,000 real MNIST test images.</summary>
public class TargetedFgsmTests(ITestOutputHelper output)
{
    private const int Images = 1_000;
    private const int BatchSize = 250;

    /// <remarks>
    /// To first order the step lowers L(x, t) = −log p_t by eps·Σ|∇x L| (the mirror image of FGSM's argument), so the
    /// mean log-probability of t must rise; for the least-likely class it starts very low, which leaves room.
    /// </remarks>
    [Theory]
    [InlineData(null, 0.1f)]
    [InlineData(null, 0.3f)]
    [InlineData(3, 0.1f)]
    [InlineData(3, 0.3f)]
    public void Attack_TowardTarget_RaisesTheMeanLogProbabilityOfTheTarget(int? target, float eps)
    {
        Sequential model = TrainedLeNet.Create();
        var attack = new TargetedFgsm(model);
        double clean = 0, adversarial = 0;

        foreach (Batch batch in Batches())
        {
            attack.InputGradient(batch.Images, target);   // picks the targets from the clean logits
            int[] targets = attack.Targets.ToArray();
            clean += LogProbabilities(model.Forward(batch.Images, training: false), targets).Sum();
            adversarial += LogProbabilities(model.Forward(attack.Attack(batch.Images, target, eps), training: false), targets).Sum();
        }

        output.WriteLine($"target {target?.ToString() ?? "least likely"}, eps {eps}: mean log p_t {clean / Images:0.000} clean, {adversarial / Images:0.000} adversarial");
        Assert.True(adversarial > clean, $"mean log p_t fell from {clean / Images} to {adversarial / Images}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void Sweep_Targeted_HitsTheTargetSometimesAtEps0Point3(int? target)
    {
        var options = new AttackOptions { Method = AttackMethod.Targeted, TargetClass = target };

        IReadOnlyList<AttackSweepRow> rows = AttackSweep.Run(TrainedLeNet.Create(), Mnist.Test(Images), [0f, 0.05f, 0.1f, 0.2f, 0.3f], options);

        output.WriteLine(string.Join(Environment.NewLine, rows.Select(r => $"eps {r.Epsilon}: correct {r.Correct}, targeted success {r.TargetedSuccessRate:0.000}")));
        Assert.True(rows[^1].TargetedSuccessRate > 0, $"no image became the target at eps 0.3 ({rows[^1]})");
        Assert.True(rows[^1].TargetedSuccessRate >= rows[0].TargetedSuccessRate);
        Assert.All(rows, r => Assert.InRange(r.TargetedSuccessRate, 0.0, 1.0));
    }

    [Fact]
    public void InputGradient_LeastLikely_IsTheArgminOfTheCleanLogitsAndNeverTheCleanPrediction()
    {
        Sequential model = TrainedLeNet.Create();
        var attack = new TargetedFgsm(model);
        int[] predicted = new int[BatchSize];
        float[] confidence = new float[BatchSize];

        foreach (Batch batch in Batches())
        {
            attack.InputGradient(batch.Images, targetClass: null);
            Tensor logits = model.Forward(batch.Images, training: false);
            Predictions.Compute(logits, predicted, confidence);
            for (int i = 0; i < BatchSize; i++)
            {
                ReadOnlySpan<float> z = logits.Span.Slice(i * 10, 10);
                Assert.NotEqual(predicted[i], attack.Targets[i]);
                Assert.Equal(z.ToArray().Min(), z[attack.Targets[i]]);
            }
        }
    }

    [Fact]
    public void LeastLikely_AllLogitsEqual_PicksAClassOtherThanThePrediction()
    {
        var logits = new Tensor(new float[] { 1, 1, 1, 5, 2, 5 }, 2, 3);
        int[] targets = new int[2];

        TargetedFgsm.LeastLikely(logits, targets);

        Assert.Equal([1, 1], targets);   // row 0: every class ties, the prediction is 0; row 1: argmin is class 1
    }

    [Fact]
    public void Attack_FixedTarget_EqualsFgsmKernelStepWithMinusEpsOnTheTargetGradient()
    {
        var targeted = new TargetedFgsm(TrainedLeNet.Create());
        var fgsm = new Fgsm(TrainedLeNet.Create());
        Batch batch = Batches().First();
        int[] sevens = Enumerable.Repeat(7, BatchSize).ToArray();

        float[] byClass = targeted.Attack(batch.Images, 7, 0.2f).Span.ToArray();
        float[] bySpan = targeted.Attack(batch.Images, sevens, 0.2f).Span.ToArray();
        float[] descent = fgsm.Perturb(batch.Images, fgsm.InputGradient(batch.Images, sevens), -0.2f).Span.ToArray();

        Assert.Equal(descent, byClass);
        Assert.Equal(descent, bySpan);
    }

    private static IEnumerable<Batch> Batches()
    {
        LabeledImages test = Mnist.Test(Images);
        for (int start = 0; start < test.Count; start += BatchSize)
        {
            yield return new Batch().Fill(test, start, BatchSize);
        }
    }

    /// <summary>log softmax(z)_t for every row of the logits, in double.</summary>
    private static double[] LogProbabilities(Tensor logits, int[] targets)
    {
        int n = logits[0], k = logits[1];
        var result = new double[n];
        for (int row = 0; row < n; row++)
        {
            ReadOnlySpan<float> z = logits.Span.Slice(row * k, k);
            double max = double.NegativeInfinity, sum = 0;
            foreach (float value in z)
            {
                max = Math.Max(max, value);
            }

            foreach (float value in z)
            {
                sum += Math.Exp(value - max);
            }

            result[row] = z[targets[row]] - max - Math.Log(sum);
        }

        return result;
    }
}
