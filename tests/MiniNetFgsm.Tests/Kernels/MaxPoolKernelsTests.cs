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

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void Unpool2x2Planes_EveryPlaneSize_EqualsTheScatterOfDyToTheArgmaxes(SimdWidth width)
    {
        var random = new Random(53);
        foreach (int w in Enumerable.Range(1, 27))
        {
            foreach (int h in new[] { 1, 2, 3, 6, 7 })
            {
                const int planes = 3;
                // Ties are frequent on the coarse grid: the argmax, not the value, decides where dy goes.
                float[] x = Enumerable.Range(0, planes * h * w).Select(_ => random.Next(-2, 3) / 2f).ToArray();
                int outputs = planes * (h / 2) * (w / 2);
                float[] y = new float[outputs], dy = TestData.Uniform(random, outputs);
                int[] arg = new int[outputs];
                MaxPoolKernels.Pool2x2PlanesReference(x, h, w, y, arg, 0, planes);

                float[] expected = new float[x.Length];
                MaxPoolKernels.Unpool2x2PlanesReference(dy, arg, h, w, expected, 0, planes);

                float[] dx = Enumerable.Repeat(7f, x.Length).ToArray();     // overwritten everywhere, also where no window reaches
                MaxPoolKernels.Unpool2x2Planes(width, dy, arg, h, w, dx, 0, planes);
                Assert.Equal(expected, dx);
            }
        }
    }

    [Fact]
    public void Unpool2x2Planes_PlaneRange_WritesOnlyThosePlanes_AndShortBuffersThrow()
    {
        float[] dy = [1, 2, 3], dx = Enumerable.Repeat(7f, 12).ToArray();
        int[] arg = [1, 6, 8];      // planes of 2×2: window 0 → input 1, window 1 → input 4 + 2, window 2 → input 8 + 0
        MaxPoolKernels.Unpool2x2Planes(dy, arg, 2, 2, dx, 1, 3);
        Assert.Equal([7f, 7f, 7f, 7f, 0f, 0f, 2f, 0f, 3f, 0f, 0f, 0f], dx);

        MaxPoolKernels.Unpool2x2Planes(dy, arg, 4, 0, [], 0, 3);      // empty planes: nothing to write
        Assert.Throws<ArgumentException>(() => MaxPoolKernels.Unpool2x2Planes(dy, arg, 2, 2, new float[11], 0, 3));
        Assert.Throws<ArgumentException>(() => MaxPoolKernels.Unpool2x2Planes(dy.AsSpan(0, 2), arg, 2, 2, dx, 0, 3));
        Assert.Throws<ArgumentException>(() => MaxPoolKernels.Unpool2x2Planes(dy, arg.AsSpan(0, 2), 2, 2, dx, 0, 3));
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
