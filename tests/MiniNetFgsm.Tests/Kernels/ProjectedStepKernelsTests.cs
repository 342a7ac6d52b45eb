using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class ProjectedStepKernelsTests
{
    private static readonly int[] Lengths = ElementwiseOperatorsTests.Lengths;
    private static readonly (float Alpha, float Eps)[] Steps = [(0f, 0f), (0.01f, 0f), (0.0025f, 0.1f), (0.01f, 0.3f), (0.5f, 0.1f), (1f, 1f)];

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Step_EveryLength0To64AndLargeOdd_IsBitIdenticalToReference(SimdWidth width)
    {
        var random = new Random(41);
        foreach (int length in Lengths)
        {
            foreach ((float alpha, float eps) in Steps)
            {
                (float[] x, float[] xi, float[] g) = EdgeCaseInputs(random, length, eps);
                float[] actual = new float[length], expected = new float[length];

                ProjectedStepKernels.Step(width, x, xi, g, alpha, eps, actual);
                ProjectedStepKernels.StepReference(x, xi, g, alpha, eps, expected);

                Assert.True(BitsEqual(expected, actual), $"width {width}, length {length}, α {alpha}, eps {eps}: first difference at {FirstDifference(expected, actual)}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Step_FromXWithAlphaEqualToEps_IsBitForBitFgsmStep(SimdWidth width)
    {
        var random = new Random(42);
        foreach (int length in Lengths)
        {
            foreach (float eps in new[] { 0f, 0.001f, 0.1f, 0.3f, 1f })
            {
                (float[] x, _, float[] g) = EdgeCaseInputs(random, length, eps);
                float[] projected = new float[length], fgsm = new float[length];

                ProjectedStepKernels.Step(width, x, x, g, eps, eps, projected);
                FgsmKernels.Step(width, x, g, eps, fgsm);

                Assert.True(BitsEqual(fgsm, projected), $"width {width}, length {length}, eps {eps}: first difference at {FirstDifference(fgsm, projected)}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Step_AnyIterateAndStep_LandsInTheEpsBallAroundXAndInZeroOne(SimdWidth width)
    {
        var random = new Random(43);
        foreach (int length in new[] { 1, 17, 97, 4099 })
        {
            foreach ((float alpha, float eps) in Steps)
            {
                float[] x = TestData.Uniform(random, length, 0f, 1f);
                float[] xi = TestData.Uniform(random, length, -1f, 2f);   // far outside the ball and the box
                float[] g = TestData.Uniform(random, length);
                float[] next = new float[length];

                ProjectedStepKernels.Step(width, x, xi, g, alpha, eps, next);

                for (int i = 0; i < length; i++)
                {
                    Assert.InRange(next[i], 0f, 1f);
                    Assert.InRange(next[i], x[i] - eps, x[i] + eps);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Step_InPlaceOnTheIterate_GivesTheSameBitsAsIntoAnotherBuffer(SimdWidth width)
    {
        var random = new Random(44);
        foreach (int length in Lengths)
        {
            (float[] x, float[] xi, float[] g) = EdgeCaseInputs(random, length, 0.1f);
            float[] separate = new float[length], inPlace = (float[])xi.Clone();

            ProjectedStepKernels.Step(width, x, xi, g, 0.03f, 0.1f, separate);
            ProjectedStepKernels.Step(width, x, inPlace, g, 0.03f, 0.1f, inPlace);

            Assert.True(BitsEqual(separate, inPlace), $"width {width}, length {length}: first difference at {FirstDifference(separate, inPlace)}");
        }
    }

    [Fact]
    public void Step_MismatchedLengths_Throws()
    {
        float[] three = new float[3], two = new float[2];

        Assert.Throws<ArgumentException>(() => ProjectedStepKernels.Step(three, two, three, 0.1f, 0.1f, three));
        Assert.Throws<ArgumentException>(() => ProjectedStepKernels.Step(three, three, two, 0.1f, 0.1f, three));
        Assert.Throws<ArgumentException>(() => ProjectedStepKernels.Step(three, three, three, 0.1f, 0.1f, two));
        Assert.Throws<ArgumentException>(() => ProjectedStepKernels.StepReference(two, three, three, 0.1f, 0.1f, three));
    }

    [Fact]
    public void RandomStart_SameGenerator_GivesSameBitsInsideBallAndBoxWithUniformNoise()
    {
        const float eps = 0.25f;
        float[] x = TestData.Uniform(new Random(45), 20_000, 0f, 1f);
        x[0] = 0f;
        x[1] = 1f;
        float[] first = new float[x.Length], second = new float[x.Length], other = new float[x.Length];
        Xoshiro128 a = Xoshiro128.ForStream(1, 7, 0), b = Xoshiro128.ForStream(1, 7, 0), c = Xoshiro128.ForStream(1, 7, 1);

        ProjectedStepKernels.RandomStart(x, eps, ref a, first);
        ProjectedStepKernels.RandomStart(x, eps, ref b, second);
        ProjectedStepKernels.RandomStart(x, eps, ref c, other);

        Assert.True(BitsEqual(first, second));
        Assert.False(BitsEqual(first, other), "restart 1 drew the same noise as restart 0");
        var interior = new List<double>();
        for (int i = 0; i < x.Length; i++)
        {
            Assert.InRange(first[i], 0f, 1f);
            Assert.InRange(first[i], x[i] - eps, x[i] + eps);
            if (x[i] >= eps && x[i] <= 1 - eps)
            {
                interior.Add(first[i] - x[i]);   // unclamped: the noise itself
            }
        }

        // U(−eps, eps) has mean 0 and standard deviation eps/√3: over ~10,000 draws the sample mean has σ ≈ 0.006·eps and
        // the sample RMS σ ≈ 0.5% of eps/√3, so these bounds are more than 4σ wide.
        Assert.InRange(interior.Average(), -0.025 * eps, 0.025 * eps);
        Assert.InRange(Math.Sqrt(interior.Average(d => d * d)), 0.97 * eps / Math.Sqrt(3), 1.03 * eps / Math.Sqrt(3));
        Assert.True(interior.Min() < -0.99 * eps && interior.Max() > 0.99 * eps, $"noise spans [{interior.Min()}, {interior.Max()}]");
    }

    /// <summary>
    /// x in [0, 1] with exact 0s and 1s (and a few NaN and out-of-range values, which both versions must treat alike);
    /// x_i = x plus noise up to 2·eps (so the ball clamp bites) with specials; g uniform in [−1, 1] with exact 0, −0, NaN,
    /// ±∞ and subnormals at random positions.
    /// </summary>
    private static (float[] X, float[] Xi, float[] G) EdgeCaseInputs(Random random, int length, float eps)
    {
        float[] x = TestData.Uniform(random, length, 0f, 1f);
        float[] xi = new float[length];
        float[] g = TestData.Uniform(random, length);
        float[] specialX = [0f, 1f, -0f, 0.5f, 1e-8f, 1f - 5.96e-8f, float.NaN, -2f, 3f];
        float[] specialG = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, 1e-30f];
        for (int i = 0; i < length; i++)
        {
            if (random.Next(3) == 0)
            {
                x[i] = specialX[random.Next(specialX.Length)];
            }

            xi[i] = random.Next(4) switch
            {
                0 => x[i],
                1 => specialX[random.Next(specialX.Length)],
                _ => x[i] + (2 * eps * ((2 * random.NextSingle()) - 1)),
            };
            if (random.Next(2) == 0)
            {
                g[i] = specialG[random.Next(specialG.Length)];
            }
        }

        return (x, xi, g);
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
