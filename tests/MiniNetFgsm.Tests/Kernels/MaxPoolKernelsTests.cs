using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class MaxPoolKernelsTests
{
    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Pool2x2Row_EveryOutputWidth0To40_IsIdenticalToReferenceIncludingTies(SimdWidth width)
    {
        var random = new Random(51);
        for (int ow = 0; ow <= 40; ow++)
        {
            foreach (int slack in new[] { 0, 1, 5 })
            {
                int w = 2 * ow + slack % 2;        // even and odd row widths
                // Values on a coarse grid so that ties are frequent; plus ±0 to check that ties keep the first bits.
                float[] x = Enumerable.Range(0, 2 * w + slack).Select(_ => random.Next(4) switch { 0 => 0f, 1 => -0f, _ => random.Next(-3, 4) / 2f }).ToArray();
                float[] y = new float[ow], expectedY = new float[ow];
                int[] arg = new int[ow], expectedArg = new int[ow];

                MaxPoolKernels.Pool2x2Row(width, x, x.AsSpan(w), w, 100, y, arg);
                MaxPoolKernels.Pool2x2RowReference(x, x.AsSpan(w), w, 100, expectedY, expectedArg);

                Assert.Equal(expectedArg, arg);
                Assert.Equal(expectedY.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void Pool2x2RowReference_TiedWindow_PicksTheFirstInRowMajorOrder()
    {
        float[] r0 = [1f, 2f, 5f, 5f], r1 = [2f, 0f, 5f, 5f];
        float[] y = new float[2];
        int[] arg = new int[2];

        MaxPoolKernels.Pool2x2RowReference(r0, r1, 4, 0, y, arg);

        Assert.Equal([2f, 5f], y);
        Assert.Equal([1, 2], arg);       // 2 at (0,1) beats the tied 2 at (1,0); 5 at (0,2) beats the other three
    }

    [Fact]
    public void Pool2x2Row_RowsTooShort_Throw()
    {
        Assert.Throws<ArgumentException>(() => MaxPoolKernels.Pool2x2Row(new float[3], new float[4], 4, 0, new float[2], new int[2]));
    }
}
