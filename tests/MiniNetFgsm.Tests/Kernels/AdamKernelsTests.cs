using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class AdamKernelsTests
{
    private static readonly int[] Lengths = ElementwiseOperatorsTests.Lengths;

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Step_EveryLength0To64AndLargeOdd_IsBitIdenticalToReference(SimdWidth width)
    {
        var random = new Random(41);
        foreach (int length in Lengths)
        {
            foreach (float weightDecay in new[] { 0f, 0.01f })
            {
                var s = new AdamStep(0.9f, 0.999f, 1e-8f, weightDecay, 1e-3f / (1f - 0.9f * 0.9f), MathF.Sqrt(1f - 0.999f * 0.999f));
                float[] theta = TestData.Uniform(random, length, -1f, 1f), g = TestData.Uniform(random, length, -0.1f, 0.1f);
                float[] m = TestData.Uniform(random, length, -0.01f, 0.01f), v = TestData.Uniform(random, length, 0f, 1e-4f);
                if (length > 3)
                {
                    g[1] = 0f;       // a zero gradient on zero moments: the update must stay exactly 0
                    m[1] = 0f;
                    v[1] = 0f;
                }

                (float[] t1, float[] m1, float[] v1) = ((float[])theta.Clone(), (float[])m.Clone(), (float[])v.Clone());
                (float[] t2, float[] m2, float[] v2) = ((float[])theta.Clone(), (float[])m.Clone(), (float[])v.Clone());

                AdamKernels.Step(width, t1, g, m1, v1, s);
                AdamKernels.StepReference(t2, g, m2, v2, s);

                if (length > 3 && weightDecay == 0f)
                {
                    Assert.Equal(theta[1], t1[1]);      // m = v = g = 0: θ moves by 0 / (0 + ε) = 0
                }

                Assert.Equal(t2, t1);
                Assert.Equal(m2, m1);
                Assert.Equal(v2, v1);
            }
        }
    }

    [Fact]
    public void AdamOptimizer_TwoThreadsOnALargeTensor_GivesTheSameBitsAsOne()
    {
        var random = new Random(42);
        MiniNetFgsm.Layers.Parameter[] one = [new("w", 100_003)], two = [new("w", 100_003)];
        float[] initial = TestData.Uniform(random, 100_003);
        initial.CopyTo(one[0].Value.Span);
        initial.CopyTo(two[0].Value.Span);
        var a = new MiniNetFgsm.Optimizers.Adam(one) { Threads = 1 };
        var b = new MiniNetFgsm.Optimizers.Adam(two) { Threads = 2 };

        for (int step = 0; step < 3; step++)
        {
            float[] g = TestData.Uniform(random, 100_003);
            g.CopyTo(one[0].Gradient.Span);
            g.CopyTo(two[0].Gradient.Span);
            a.Step();
            b.Step();
        }

        Assert.Equal(one[0].Value.Span.ToArray(), two[0].Value.Span.ToArray());
    }

    [Fact]
    public void StepReference_OneElement_MatchesTheFormulaInDouble()
    {
        // t = 1: m = 0.1·g, v = 0.001·g², θ −= η/(1−β₁) · m / (√v/√(1−β₂) + ε) = η · g/|g| (almost exactly).
        var s = new AdamStep(0.9f, 0.999f, 1e-8f, 0f, 1e-3f / 0.1f, MathF.Sqrt(0.001f));
        float[] theta = [0.5f], g = [-0.2f], m = [0f], v = [0f];

        AdamKernels.StepReference(theta, g, m, v, s);

        Assert.Equal(-0.02, m[0], 6);
        Assert.Equal(4e-5, v[0], 8);   // (1 − β₂) = 0.001 in float is 0.00099998…
        Assert.Equal(0.5 + 1e-3, theta[0], 6);
    }

    [Fact]
    public void Step_MismatchedLengths_Throw()
    {
        var s = new AdamStep(0.9f, 0.999f, 1e-8f, 0f, 1e-3f, 1f);

        Assert.Throws<ArgumentException>(() => AdamKernels.Step(new float[3], new float[3], new float[2], new float[3], s));
    }
}
