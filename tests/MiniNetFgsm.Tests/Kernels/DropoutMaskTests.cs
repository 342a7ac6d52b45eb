using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Kernels;

/// <summary>The eight-lane dropout mask generator against its scalar reference, and the masks' statistics.</summary>
public class DropoutMaskTests
{
    private const uint Half = 1u << 31;

    public static TheoryData<int> Lengths() => new(Enumerable.Range(0, 41).Concat([63, 64, 65, 255, 256, 1023]));

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Fill_AtEveryWidth_MatchesTheScalarReferenceOverConsecutiveCalls(int length)
    {
        foreach (SimdWidth width in Simd.Supported)
        {
            var vector = new DropoutMask(seed: 5);
            var scalar = new DropoutMask(seed: 5);
            float[] a = new float[length], b = new float[length];

            // Three calls in a row: the tail of each must leave both generators in the same state.
            for (int call = 0; call < 3; call++)
            {
                vector.Fill(width, a, Half, 2f);
                scalar.FillReference(b, Half, 2f);
                Assert.Equal(b, a);
            }
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.25)]
    public void Fill_KeepsAFractionOneMinusPAndScalesByOneOverOneMinusP(double p)
    {
        var masks = new DropoutMask(seed: 11);
        float keep = (float)(1 / (1 - p));
        float[] mask = new float[100_003];

        masks.Fill(mask, (uint)Math.Round(p * 4294967296.0), keep);

        Assert.All(mask, m => Assert.True(m == 0f || m == keep, $"mask value {m}"));
        double kept = mask.Count(m => m != 0f) / (double)mask.Length;
        // Binomial standard deviation ≤ 0.0016 here: 0.01 is over six of them.
        Assert.InRange(kept, 1 - p - 0.01, 1 - p + 0.01);
    }

    [Fact]
    public void Fill_SameSeedRepeatsOtherSeedsAndLanesDiffer()
    {
        float[] first = new float[4096], again = new float[4096], other = new float[4096];
        new DropoutMask(3).Fill(first, Half, 1f);
        new DropoutMask(3).Fill(again, Half, 1f);
        new DropoutMask(4).Fill(other, Half, 1f);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);

        // Lane l's sequence is elements l, l + 8, …: no two lanes may repeat each other.
        var lanes = Enumerable.Range(0, 8).Select(l => string.Concat(Enumerable.Range(0, 512).Select(k => first[8 * k + l] != 0 ? '1' : '0'))).ToArray();
        Assert.Equal(8, lanes.Distinct().Count());
    }

    [Fact]
    public void Dropout_TrainingZeroesOrScalesEachElementAndEvaluationIsTheIdentity()
    {
        var dropout = new Dropout(0.5, seed: 2);
        var x = new Tensor(TestData.Uniform(new Random(9), 2 * 3 * 5 * 7), 2, 3, 5, 7);

        Tensor y = dropout.Forward(x, training: true);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(y.Span[i] == 0f || y.Span[i] == 2f * x.Span[i], $"element {i}: {y.Span[i]} from {x.Span[i]}");
        }

        Assert.Contains(y.Span.ToArray(), v => v == 0f);
        Assert.Same(x, dropout.Forward(x, training: false));
    }
}
