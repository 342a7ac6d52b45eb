using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class SoftmaxTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(10)]
    [InlineData(31)]
    public void Apply_RandomLogits_MatchesTheDefinitionAndSumsToOne(int k)
    {
        var random = new Random(k);
        float[] z = TestData.Uniform(random, k).Select(v => 8 * v).ToArray();
        float[] p = new float[k];

        double logSumExp = Softmax.Apply(z, p);

        double sumOfExp = z.Sum(v => Math.Exp(v));
        Assert.Equal(Math.Log(sumOfExp), logSumExp, 1e-12);
        for (int i = 0; i < k; i++)
        {
            Assert.Equal((float)(Math.Exp(z[i]) / sumOfExp), p[i]);
        }

        Assert.Equal(1.0, p.Sum(v => (double)v), 1e-6);
    }

    [Fact]
    public void Apply_HugeLogits_StaysFinite()
    {
        float[] z = [3e38f, -3e38f, 3e38f, 0f];
        float[] p = new float[4];

        double logSumExp = Softmax.Apply(z, p);

        Assert.Equal([0.5f, 0f, 0.5f, 0f], p);
        Assert.Equal(3e38f + Math.Log(2), logSumExp, 1e25);
    }

    [Fact]
    public void Apply_MismatchedOrEmpty_Throws()
    {
        Assert.Throws<ArgumentException>(() => Softmax.Apply(new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => Softmax.Apply([], []));
    }
}
