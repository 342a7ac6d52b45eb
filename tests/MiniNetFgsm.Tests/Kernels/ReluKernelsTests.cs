using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class ReluKernelsTests
{
    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Backward_EveryLength0To64AndLargeOdd_MatchesReferenceExactly(SimdWidth width)
    {
        var random = new Random(21);
        foreach (int length in ElementwiseOperatorsTests.Lengths)
        {
            float[] x = TestData.Uniform(random, length);
            float[] dy = TestData.Uniform(random, length);
            if (length > 3)
            {
                x[1] = 0f;          // exactly at the kink: gradient 0
                x[2] = -0f;
            }

            float[] actual = new float[length], expected = new float[length];

            ReluKernels.Backward(width, x, dy, actual);
            ReluKernels.BackwardReference(x, dy, expected);

            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Backward_AtZero_GivesZeroGradient()
    {
        float[] dx = new float[3];

        ReluKernels.Backward([0f, 1f, -1f], [5f, 5f, 5f], dx);

        Assert.Equal([0f, 5f, 0f], dx);
    }

    [Fact]
    public void Backward_MismatchedLengths_Throws()
    {
        Assert.Throws<ArgumentException>(() => ReluKernels.Backward(new float[3], new float[2], new float[3]));
    }
}
