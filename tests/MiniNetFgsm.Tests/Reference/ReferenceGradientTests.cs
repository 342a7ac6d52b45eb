using MiniNetFgsm.Reference;
using MiniNetFgsm.Tests.Layers;

namespace MiniNetFgsm.Tests.Reference;

/// <summary>
/// Finite-difference checks of every reference backward pass, in the style of <see cref="LayerGradientTests"/>: a random
/// upstream gradient dout, L = Σ out · dout in double, central differences with h = 1e-2, tolerance
/// |analytic − numeric| ≤ 5e-4 + 2e-3·|numeric|; every element checked, dx included. ReLU and max-pool inputs stay at
/// least 0.05 from their kinks and ties so that ±h never crosses one.
/// </summary>
public class ReferenceGradientTests
{
    private const double Step = 1e-2, Absolute = 5e-4, Relative = 2e-3;

    public static TheoryData<int, int, int, int, int, int, int, int, int, bool> ConvCases() => new()
    {
        // n, c, o, h, w, kh, kw, stride, padding, bias
        { 1, 1, 1, 5, 5, 3, 3, 1, 0, true },
        { 2, 3, 4, 7, 5, 3, 3, 2, 1, true },      // stride 2, padding 1, non-square image
        { 2, 2, 3, 9, 6, 5, 5, 1, 2, false },     // no bias, padding 2
        { 3, 1, 2, 8, 11, 2, 2, 2, 0, true },     // even kernel
        { 1, 4, 5, 6, 7, 1, 1, 1, 0, true },      // 1×1 kernel
        { 2, 3, 2, 10, 9, 4, 4, 3, 1, true },     // stride 3 leaves rows unused
        { 2, 2, 3, 7, 8, 3, 2, 1, 1, false },     // KH ≠ KW
        { 1, 2, 2, 6, 9, 1, 4, 2, 2, true },      // a 1×4 kernel, stride 2, padding 2
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_Backward_MatchesFiniteDifferences(int n, int c, int o, int h, int w, int kh, int kw, int stride, int padding, bool bias)
    {
        var random = new Random(100 + h * w + kh * 7 + kw);
        float[] x = TestData.Uniform(random, n * c * h * w);
        float[] weight = TestData.Uniform(random, o * c * kh * kw);
        float[]? b = bias ? TestData.Uniform(random, o) : null;
        float[] Forward() => Conv2d.Forward(x, weight, b, n, c, h, w, o, kh, kw, stride, padding);
        float[] dout = TestData.Uniform(random, Forward().Length);

        (float[] dx, float[] dweight, float[]? dbias) = Conv2d.Backward(dout, x, weight, b, n, c, h, w, o, kh, kw, stride, padding);

        double Loss() => Dot(Forward(), dout);
        AssertPasses(GradientCheck.Check("Conv2d dx", Loss, x, dx, Step, Absolute, Relative, int.MaxValue));
        AssertPasses(GradientCheck.Check("Conv2d dW", Loss, weight, dweight, Step, Absolute, Relative, int.MaxValue));
        Assert.Equal(bias, dbias is not null);
        if (b is not null)
        {
            AssertPasses(GradientCheck.Check("Conv2d db", Loss, b, dbias, Step, Absolute, Relative, int.MaxValue));
        }
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    [InlineData(4, 3)]
    public void MaxPool2d_Backward_MatchesFiniteDifferences(int kernel, int stride)
    {
        var random = new Random(200 + kernel * 7 + stride);
        (int n, int c, int h, int w) = (2, 3, 9, 7);
        float[] x = DistinctValues(random, n * c * h * w);
        float[] Forward() => MaxPool2d.Forward(x, n, c, h, w, kernel, stride);
        float[] dout = TestData.Uniform(random, Forward().Length);

        float[] dx = MaxPool2d.Backward(dout, x, n, c, h, w, kernel, stride);

        AssertPasses(GradientCheck.Check("MaxPool2d dx", () => Dot(Forward(), dout), x, dx, Step, Absolute, Relative, int.MaxValue));
    }

    [Fact]
    public void MaxPool2d_TiedWindow_SendsTheGradientToTheFirstMaximumInRowMajorOrder()
    {
        // One 3×3 window holding 5 at (0,2), (1,0) and (2,2): (0,2) comes first in row-major order.
        float[] x = [1, 0, 5, 5, 2, 3, 4, 0, 5];

        float[] dx = MaxPool2d.Backward([7f], x, 1, 1, 3, 3, 3, 3);

        Assert.Equal([0, 0, 7, 0, 0, 0, 0, 0, 0], dx);
        Assert.Equal([5f], MaxPool2d.Forward(x, 1, 1, 3, 3, 3, 3));
    }

    [Fact]
    public void ReLU_Backward_MatchesFiniteDifferencesAndIsZeroAtExactlyZero()
    {
        var random = new Random(300);
        float[] x = TestData.Uniform(random, 3 * 37);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] += x[i] >= 0 ? 0.05f : -0.05f;
        }

        float[] dout = TestData.Uniform(random, x.Length);

        float[] dx = ReLU.Backward(dout, x);

        AssertPasses(GradientCheck.Check("ReLU dx", () => Dot(ReLU.Forward(x), dout), x, dx, Step, Absolute, Relative, int.MaxValue));
        Assert.Equal([0f, 0f, 2f], ReLU.Backward([1f, 1f, 2f], [0f, -0f, 1e-30f]));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(4, 37, 13)]
    public void Dense_Backward_MatchesFiniteDifferences(int n, int inFeatures, int outFeatures)
    {
        var random = new Random(400 + inFeatures);
        float[] x = TestData.Uniform(random, n * inFeatures);
        float[] weight = TestData.Uniform(random, outFeatures * inFeatures);
        float[] bias = TestData.Uniform(random, outFeatures);
        float[] dout = TestData.Uniform(random, n * outFeatures);

        (float[] dx, float[] dweight, float[] dbias) = Dense.Backward(dout, x, weight, n, inFeatures, outFeatures);

        double Loss() => Dot(Dense.Forward(x, weight, bias, n, inFeatures, outFeatures), dout);
        AssertPasses(GradientCheck.Check("Dense dx", Loss, x, dx, Step, Absolute, Relative, int.MaxValue));
        AssertPasses(GradientCheck.Check("Dense dW", Loss, weight, dweight, Step, Absolute, Relative, int.MaxValue));
        AssertPasses(GradientCheck.Check("Dense db", Loss, bias, dbias, Step, Absolute, Relative, int.MaxValue));
    }

    [Fact]
    public void Dropout_Backward_MatchesFiniteDifferencesWithItsMask()
    {
        var random = new Random(500);
        float[] x = TestData.Uniform(random, 5 * 23);
        float[] mask = [.. Enumerable.Range(0, x.Length).Select(_ => random.NextDouble() < 0.4 ? 0f : 1f / 0.6f)];
        float[] dout = TestData.Uniform(random, x.Length);

        float[] dx = Dropout.Backward(dout, mask);

        AssertPasses(GradientCheck.Check("Dropout dx", () => Dot(Dropout.Forward(x, mask), dout), x, dx, Step, Absolute, Relative, int.MaxValue));
    }

    [Fact]
    public void Flatten_Backward_MatchesFiniteDifferences()
    {
        var random = new Random(600);
        float[] x = TestData.Uniform(random, 2 * 3 * 4 * 5);
        float[] dout = TestData.Uniform(random, x.Length);

        float[] dx = Flatten.Backward(dout);

        AssertPasses(GradientCheck.Check("Flatten dx", () => Dot(Flatten.Forward(x), dout), x, dx, Step, Absolute, Relative, int.MaxValue));
    }

    [Fact]
    public void SoftmaxCrossEntropy_Backward_MatchesFiniteDifferences()
    {
        var random = new Random(700);
        float[] logits = TestData.Uniform(random, 4 * 7, -3, 3);
        int[] labels = [0, 6, 3, 3];

        float[] dlogits = SoftmaxCrossEntropy.Backward(logits, labels, 4, 7);

        GradientCheckResult result = GradientCheck.Check("softmax-CE dz", () => SoftmaxCrossEntropy.Forward(logits, labels, 4, 7), logits, dlogits, 1e-2, 1e-4, 1e-2);
        AssertPasses(result);
    }

    [Fact]
    public void SoftmaxCrossEntropy_HugeLogits_StaysFiniteThanksToTheMaxSubtraction()
    {
        float[] logits = [1000f, 0f, -1000f, 500f, 500f, 0f];

        float loss = SoftmaxCrossEntropy.Forward(logits, [0, 1], 2, 3);
        float[] dlogits = SoftmaxCrossEntropy.Backward(logits, [0, 1], 2, 3);

        // Row 0: L = 0 (softmax puts everything on class 0); row 1: L = log 2, two equal maxima.
        Assert.Equal(MathF.Log(2) / 2, loss, 4);   // 500 + log 2 rounds to float's 3e-5 spacing
        Assert.Equal([0f, 0f, 0f, 0.25f, -0.25f, 0f], dlogits);
    }

    /// <summary>L = Σ out · dout, in double.</summary>
    internal static double Dot(float[] output, float[] dout)
    {
        Assert.Equal(dout.Length, output.Length);
        double sum = 0;
        for (int i = 0; i < output.Length; i++)
        {
            sum += (double)output[i] * dout[i];
        }

        return sum;
    }

    private static void AssertPasses(GradientCheckResult result) => Assert.True(result.WorstRatio <= 1, result.ToString());

    /// <summary>A shuffled arithmetic sequence: every pair of values differs by at least 0.05, so no pooling tie is within ±h.</summary>
    private static float[] DistinctValues(Random random, int length)
    {
        float[] values = [.. Enumerable.Range(0, length).Select(i => -1f + 0.05f * i)];
        random.Shuffle(values);
        return values;
    }
}
