using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class FgsmKernelsTests
{
    private static readonly int[] Lengths = ElementwiseOperatorsTests.Lengths;

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Step_EveryLength0To64AndLargeOdd_IsBitIdenticalToReference(SimdWidth width)
    {
        var random = new Random(31);
        foreach (int length in Lengths)
        {
            foreach (float eps in new[] { 0f, 0.001f, 0.1f, 0.3f, 1f })
            {
                (float[] x, float[] g) = EdgeCaseInputs(random, length);
                float[] actual = new float[length], expected = new float[length];

                FgsmKernels.Step(width, x, g, eps, actual);
                FgsmKernels.StepReference(x, g, eps, expected);

                Assert.True(BitsEqual(expected, actual), $"width {width}, length {length}, eps {eps}: first difference at {FirstDifference(expected, actual)}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Step_ZeroNegativeZeroAndNaNGradients_LeaveXUnchanged(SimdWidth width)
    {
        var random = new Random(32);
        float[] zeros = [0f, -0f, float.NaN];
        foreach (int length in Lengths)
        {
            float[] x = TestData.Uniform(random, length, 0f, 1f);
            float[] g = Enumerable.Range(0, length).Select(i => zeros[i % zeros.Length]).ToArray();
            float[] xAdv = new float[length];

            FgsmKernels.Step(width, x, g, 0.25f, xAdv);

            Assert.True(BitsEqual(x, xAdv), $"width {width}, length {length}: first difference at {FirstDifference(x, xAdv)}");
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Step_PixelsAtTheEdges_AreClampedToZeroAndOne(SimdWidth width)
    {
        // 16 + 3 elements so that every vector width runs a full vector and a scalar tail over the same pattern.
        float[] pattern = [0f, 0f, 1f, 1f, 0.05f, 0.95f, 0.5f, 0f];
        float[] gradient = [-1f, 1f, 1f, -1f, -2f, 3f, float.Epsilon, 0f];
        float[] expected = [0f, 0.1f, 1f, 0.9f, 0f, 1f, 0.6f, 0f];
        float[] x = [.. pattern, .. pattern, .. pattern[..3]];
        float[] g = [.. gradient, .. gradient, .. gradient[..3]];
        float[] xAdv = new float[x.Length];

        FgsmKernels.Step(width, x, g, 0.1f, xAdv);

        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(Math.Min(Math.Max(x[i] + (0.1f * Math.Sign(g[i])), 0f), 1f), xAdv[i]);
            Assert.Equal(expected[i % pattern.Length], xAdv[i], 6);
        }
    }

    [Fact]
    public void Step_MismatchedLengths_Throws()
    {
        float[] three = new float[3], two = new float[2];

        Assert.Throws<ArgumentException>(() => FgsmKernels.Step(three, two, 0.1f, three));
        Assert.Throws<ArgumentException>(() => FgsmKernels.Step(three, three, 0.1f, two));
        Assert.Throws<ArgumentException>(() => FgsmKernels.StepReference(three, two, 0.1f, three));
    }

    /// <summary>
    /// x in [0, 1] with exact 0s and 1s (plus a few NaN and out-of-range values, which both versions must treat alike);
    /// g uniform in [−1, 1] with exact 0, −0, NaN, ±∞, the smallest subnormals and tiny values sprinkled at random
    /// positions, so that x + eps·sign(g) often lands beyond an edge and is clamped.
    /// </summary>
    private static (float[] X, float[] G) EdgeCaseInputs(Random random, int length)
    {
        float[] x = TestData.Uniform(random, length, 0f, 1f);
        float[] g = TestData.Uniform(random, length);
        float[] specialX = [0f, 1f, -0f, 0.5f, 1e-8f, 1f - 5.96e-8f, float.NaN, -2f, 3f];
        float[] specialG = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, 1e-30f];
        for (int i = 0; i < length; i++)
        {
            if (random.Next(3) == 0)
            {
                x[i] = specialX[random.Next(specialX.Length)];
            }

            if (random.Next(2) == 0)
            {
                g[i] = specialG[random.Next(specialG.Length)];
            }
        }

        return (x, g);
    }

    private static bool BitsEqual(float[] a, float[] b)
        => a.Length == b.Length && a.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToInt32Bits));

    private static string FirstDifference(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                return $"index {i}: expected {expected[i]:R}, actual {actual[i]:R}";
            }
        }

        return "none";
    }
}
