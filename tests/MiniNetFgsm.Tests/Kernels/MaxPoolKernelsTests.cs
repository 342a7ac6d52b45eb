using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class MaxPoolKernelsTests
{
    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Pool2x2Planes_EveryPlaneSize1To40Wide_IsIdenticalToReferenceIncludingTies(SimdWidth width)
    {
        var random = new Random(51);
        int[] heights = [1, 2, 3, 5, 8];
        for (int w = 1; w <= 41; w++)
        {
            foreach (int h in heights)
            {
                foreach (int planes in new[] { 1, 3 })
                {
                    // slack 0: the last row pair ends at the end of x, so the over-reading vector steps must stop short.
                    foreach (int slack in new[] { 0, 1, 17 })
                    {
                        // Values on a coarse grid so that ties are frequent; plus ±0 to check that ties keep the first bits.
                        float[] x = Enumerable.Range(0, planes * h * w + slack).Select(_ => random.Next(4) switch { 0 => 0f, 1 => -0f, _ => random.Next(-3, 4) / 2f }).ToArray();
                        int outputs = planes * (h / 2) * (w / 2);
                        float[] y = new float[outputs], expectedY = new float[outputs];
                        int[] arg = new int[outputs], expectedArg = new int[outputs];

                        MaxPoolKernels.Pool2x2Planes(width, x, h, w, y, arg, 0, planes);
                        MaxPoolKernels.Pool2x2PlanesReference(x, h, w, expectedY, expectedArg, 0, planes);

                        Assert.Equal(expectedArg, arg);
                        Assert.Equal(expectedY.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Pool2x2Planes_PlaneRange_WritesOnlyThosePlanes(SimdWidth width)
    {
        const int h = 6, w = 26, planes = 5, outPlane = 3 * 13;
        var random = new Random(52);
        float[] x = Enumerable.Range(0, planes * h * w).Select(_ => (float)random.NextDouble()).ToArray();
        float[] y = Enumerable.Repeat(-7f, planes * outPlane).ToArray(), expectedY = (float[])y.Clone();
        int[] arg = Enumerable.Repeat(-1, planes * outPlane).ToArray(), expectedArg = (int[])arg.Clone();

        MaxPoolKernels.Pool2x2Planes(width, x, h, w, y, arg, 2, 4);
        MaxPoolKernels.Pool2x2PlanesReference(x, h, w, expectedY, expectedArg, 2, 4);

        Assert.Equal(expectedArg, arg);
        Assert.Equal(expectedY, y);
        Assert.All(y.Take(2 * outPlane).Concat(y.Skip(4 * outPlane)), v => Assert.Equal(-7f, v));
        Assert.Contains(arg.Skip(2 * outPlane).Take(2 * outPlane), i => i >= 2 * h * w);
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
    public void Pool2x2Planes_BuffersTooShort_Throw()
    {
        Assert.Throws<ArgumentException>(() => MaxPoolKernels.Pool2x2Planes(new float[15], 4, 4, new float[4], new int[4], 0, 1));
        Assert.Throws<ArgumentException>(() => MaxPoolKernels.Pool2x2Planes(new float[32], 4, 4, new float[7], new int[8], 0, 2));
        Assert.Throws<ArgumentException>(() => MaxPoolKernels.Pool2x2Planes(new float[32], 4, 4, new float[8], new int[7], 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => MaxPoolKernels.Pool2x2Planes(new float[32], 4, 4, new float[8], new int[8], 1, 0));
    }
}
