using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

/// <summary>Winograd F(2×2, 3×3) against a plain double-precision convolution, on odd and edge shapes.</summary>
public class WinogradF2x3Tests
{
    public static TheoryData<int, int, int, int, int> Shapes() => new()
    {
        // c, h, w, o, padding
        { 1, 3, 3, 1, 0 },        // one output: a single tile, three of its four outputs dropped
        { 1, 4, 4, 1, 0 },        // one whole tile
        { 2, 5, 7, 3, 0 },        // odd output sizes (3 × 5): last tile row and column half used
        { 3, 6, 6, 2, 1 },        // padding 1: every edge tile reads zeros
        { 5, 4, 9, 7, 2 },        // padding 2 (the input gradient's), primes
        { 1, 1, 1, 2, 2 },        // a 1×1 input, padding 2: output 3×3 from zeros and one pixel
        { 32, 26, 26, 64, 0 },    // mnist-cnn conv2
        { 64, 24, 24, 32, 2 },    // mnist-cnn conv2's input gradient
        { 13, 11, 8, 17, 0 },     // primes, an even width and an odd height
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Convolve_MatchesTheDoubleReference(int c, int h, int w, int o, int padding)
    {
        var random = new Random(71 + c + h);
        float[] x = TestData.Uniform(random, c * h * w), weights = TestData.Uniform(random, o * c * 9), bias = TestData.Uniform(random, o);
        int oh = h + 2 * padding - 2, ow = w + 2 * padding - 2;
        float[] y = new float[o * oh * ow];

        float[] u = new float[WinogradF2x3.BufferLength(o, c)];
        WinogradF2x3.TransformWeights(weights, o, c, flipTranspose: false, u);
        int tiles = WinogradF2x3.Tiles(oh, ow);
        WinogradF2x3.Convolve(x, c, h, w, padding, u, bias, o, y, new float[WinogradF2x3.BufferLength(c, tiles)], new float[WinogradF2x3.BufferLength(o, tiles)]);

        float[] expected = Reference(x, c, h, w, weights, o, padding, (oc, ic, i, j) => weights[((oc * c + ic) * 3 + i) * 3 + j], bias);
        Assert.True(TestData.MaxRelativeError(y, expected) < 1e-5, $"max relative error {TestData.MaxRelativeError(y, expected)}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FlipTransposedWeights_GiveTheInputGradient(int c, int h, int w, int o, int padding)
    {
        // Here c plays dy's channels (the forward's O) and o the input's (the forward's C): the forward weight is
        // (c, o, 3, 3), and dx[o'] = Σ_c dy[c] ⋆ flip(w[c, o']), with padding 2 − p for a forward padded by p.
        var random = new Random(72 + o);
        float[] dy = TestData.Uniform(random, c * h * w), forward = TestData.Uniform(random, c * o * 9);
        int oh = h + 2 * padding - 2, ow = w + 2 * padding - 2;
        float[] dx = new float[o * oh * ow];

        float[] u = new float[WinogradF2x3.BufferLength(o, c)];
        WinogradF2x3.TransformWeights(forward, o, c, flipTranspose: true, u);
        int tiles = WinogradF2x3.Tiles(oh, ow);
        WinogradF2x3.Convolve(dy, c, h, w, padding, u, [], o, dx, new float[WinogradF2x3.BufferLength(c, tiles)], new float[WinogradF2x3.BufferLength(o, tiles)]);

        float[] expected = Reference(dy, c, h, w, forward, o, padding, (oc, ic, i, j) => forward[((ic * o + oc) * 3 + 2 - i) * 3 + 2 - j], []);
        Assert.True(TestData.MaxRelativeError(dx, expected) < 1e-5, $"max relative error {TestData.MaxRelativeError(dx, expected)}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeightGradient_MatchesTheDoubleReference(int c, int h, int w, int o, int padding)
    {
        // dW[o, c, i, j] = Σ_n Σ_{oy, ox} dy[n, o, oy, ox] · x[n, c, oy + i − p, ox + j − p], over two images.
        const int images = 2;
        var random = new Random(75 + c + w);
        int oh = h + 2 * padding - 2, ow = w + 2 * padding - 2, tiles = WinogradF2x3.Tiles(oh, ow);
        float[] x = TestData.Uniform(random, images * c * h * w), dy = TestData.Uniform(random, images * o * oh * ow);
        float[] v = new float[WinogradF2x3.BufferLength(c, tiles)], e = new float[WinogradF2x3.BufferLength(o, tiles)], s = new float[WinogradF2x3.BufferLength(o, c)];
        for (int n = 0; n < images; n++)
        {
            WinogradF2x3.AddWeightProducts(x.AsSpan(n * c * h * w, c * h * w), c, h, w, padding, dy.AsSpan(n * o * oh * ow, o * oh * ow), o, v, e, s, accumulate: n > 0);
        }

        float[] dw = Enumerable.Repeat(0.25f, o * c * 9).ToArray();
        WinogradF2x3.AccumulateWeightGradient(s, o, c, dw);

        double[] expected = Enumerable.Repeat(0.25, dw.Length).ToArray();
        for (int n = 0; n < images; n++)
        {
            for (int oc = 0; oc < o; oc++)
            {
                for (int ic = 0; ic < c; ic++)
                {
                    for (int i = 0; i < 3; i++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            for (int oy = 0; oy < oh; oy++)
                            {
                                for (int ox = 0; ox < ow; ox++)
                                {
                                    int r = oy + i - padding, col = ox + j - padding;
                                    if (r >= 0 && r < h && col >= 0 && col < w)
                                    {
                                        expected[((oc * c + ic) * 3 + i) * 3 + j] += (double)dy[((n * o + oc) * oh + oy) * ow + ox] * x[((n * c + ic) * h + r) * w + col];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        // Each weight sums up to 2 × 576 products; the 16 transformed sums S it is rebuilt from are larger than it and
        // partly cancel (Gᵀ S G adds and subtracts them), so the rounding is a few times that of a direct sum: measured
        // up to 2.1e-5 relative on the mnist-cnn shapes.
        float[] rounded = expected.Select(value => (float)value).ToArray();
        Assert.True(TestData.MaxRelativeError(dw, rounded) < 5e-5, $"max relative error {TestData.MaxRelativeError(dw, rounded)}");
    }

    [Theory]
    [InlineData(26, 26, 0)]       // mnist-cnn conv2: 12 tiles a row, steps at 0 and 4
    [InlineData(28, 28, 0)]       // its padded input gradient: 13 tiles
    [InlineData(24, 24, 2)]       // the same with the padding left to the kernel: edge tiles at both ends
    [InlineData(9, 40, 1)]        // 20 tiles a row, odd output height
    [InlineData(7, 19, 0)]        // 9 tiles, odd output width: the last column's tiles are scalar
    [InlineData(5, 17, 0)]        // 8 tiles, 7 of them full: the output stays scalar
    [InlineData(6, 18, 0)]        // exactly 8 tiles
    [InlineData(6, 16, 2)]        // 9 tiles, 7 inside: the input stays scalar
    [InlineData(4, 10, 0)]        // 4 tiles: exactly one 128-bit step
    [InlineData(5, 11, 1)]        // 5 tiles, 4 inside
    [InlineData(3, 13, 0)]        // one tile row, 6 tiles: a 128-bit step and an overlapping one
    public void VectorTransforms_AreBitIdenticalToTheScalarOnes(int h, int w, int padding)
    {
        // Without vectors the kernel has only its scalar transforms: the comparison would be of a path with itself.
        SimdWidths.SkipUnlessAccelerated(SimdWidth.V128);
        // Every vector width this CPU runs (128 bits included, however wide the CPU) against the scalar path.
        foreach (SimdWidth width in Simd.Supported.Where(width => width >= SimdWidth.V128))
        {
            AssertVectorTransformsBitIdentical(width, h, w, padding);
        }
    }

    private static void AssertVectorTransformsBitIdentical(SimdWidth width, int h, int w, int padding)
    {
        const int c = 3, o = 2;
        var random = new Random(74 + w);
        int oh = h + 2 * padding - 2, ow = w + 2 * padding - 2, tiles = WinogradF2x3.Tiles(oh, ow);
        float[] x = TestData.Uniform(random, c * h * w);
        float[] v = new float[WinogradF2x3.BufferLength(c, tiles)], expectedV = new float[v.Length];
        WinogradF2x3.TransformInput(width, x, c, h, w, padding, oh, ow, v, 0, c);
        WinogradF2x3.TransformInput(SimdWidth.Scalar, x, c, h, w, padding, oh, ow, expectedV, 0, c);
        Assert.Equal(expectedV.Select(BitConverter.SingleToInt32Bits), v.Select(BitConverter.SingleToInt32Bits));

        float[] m = TestData.Uniform(random, WinogradF2x3.BufferLength(o, tiles)), bias = TestData.Uniform(random, o);
        float[] y = new float[o * oh * ow], expectedY = new float[y.Length];
        WinogradF2x3.TransformOutput(width, m, bias, o, oh, ow, y, 0, o);
        WinogradF2x3.TransformOutput(SimdWidth.Scalar, m, bias, o, oh, ow, expectedY, 0, o);
        Assert.Equal(expectedY.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));

        float[] dy = TestData.Uniform(random, o * oh * ow);
        // Both start from 5: an element the vector path skipped would keep it where the scalar path wrote a value.
        float[] e = Enumerable.Repeat(5f, WinogradF2x3.BufferLength(o, tiles)).ToArray(), expectedE = Enumerable.Repeat(5f, e.Length).ToArray();
        WinogradF2x3.TransformOutputGradient(width, dy, o, oh, ow, e, 0, o);
        WinogradF2x3.TransformOutputGradient(SimdWidth.Scalar, dy, o, oh, ow, expectedE, 0, o);
        Assert.Equal(expectedE.Select(BitConverter.SingleToInt32Bits), e.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void VectorTransforms_EveryWidthFrom4To41_AndPadding0To2_AreBitIdenticalToTheScalarOnes()
    {
        SimdWidths.SkipUnlessAccelerated(SimdWidth.V128);
        // Every combination of edge tiles, inside tiles, overlap steps and odd sizes the vector paths meet, at 4 and 8 lanes.
        foreach (int w in Enumerable.Range(4, 38))
        {
            foreach (int padding in new[] { 0, 1, 2 })
            {
                foreach (int h in new[] { 5, 6 })
                {
                    VectorTransforms_AreBitIdenticalToTheScalarOnes(h, w, padding);
                }
            }
        }
    }

    [Fact]
    public void ChannelRanges_WriteOnlyTheirChannels_AndMatchTheWholeCall()
    {
        const int c = 3, h = 7, w = 6, o = 5;
        var random = new Random(73);
        float[] x = TestData.Uniform(random, c * h * w);
        int tiles = WinogradF2x3.Tiles(5, 4);
        float[] whole = Enumerable.Repeat(9f, WinogradF2x3.BufferLength(c, tiles)).ToArray(), parts = Enumerable.Repeat(9f, whole.Length).ToArray();

        WinogradF2x3.TransformInput(x, c, h, w, 0, 5, 4, whole, 0, c);
        WinogradF2x3.TransformInput(x, c, h, w, 0, 5, 4, parts, 1, 3);
        WinogradF2x3.TransformInput(x, c, h, w, 0, 5, 4, parts, 0, 1);
        Assert.Equal(whole, parts);

        float[] m = TestData.Uniform(random, WinogradF2x3.BufferLength(o, tiles)), bias = TestData.Uniform(random, o);
        float[] y = new float[o * 20], yParts = Enumerable.Repeat(9f, y.Length).ToArray();
        WinogradF2x3.TransformOutput(m, bias, o, 5, 4, y, 0, o);
        WinogradF2x3.TransformOutput(m, bias, o, 5, 4, yParts, 2, o);
        Assert.All(yParts.Take(2 * 20), v => Assert.Equal(9f, v));
        WinogradF2x3.TransformOutput(m, bias, o, 5, 4, yParts, 0, 2);
        Assert.Equal(y, yParts);
    }

    [Fact]
    public void ShortBuffers_Throw()
    {
        // Each transformed buffer one float short of BufferLength, or each plain one one float short.
        int twoByOne = WinogradF2x3.BufferLength(2, 1), oneByOne = WinogradF2x3.BufferLength(1, 1);
        Assert.Throws<ArgumentException>(() => WinogradF2x3.TransformWeights(new float[17], 2, 1, false, new float[twoByOne]));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.TransformWeights(new float[18], 2, 1, false, new float[twoByOne - 1]));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.TransformInput(new float[15], 1, 4, 4, 0, 2, 2, new float[oneByOne], 0, 1));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.TransformInput(new float[16], 1, 4, 4, 0, 2, 2, new float[oneByOne - 1], 0, 1));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.TransformOutput(new float[oneByOne - 1], [], 1, 2, 2, new float[4], 0, 1));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.TransformOutput(new float[oneByOne], [], 1, 2, 2, new float[3], 0, 1));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.TransformOutputGradient(new float[3], 1, 2, 2, new float[oneByOne], 0, 1));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.TransformOutputGradient(new float[4], 1, 2, 2, new float[oneByOne - 1], 0, 1));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.AccumulateWeightGradient(new float[twoByOne - 1], 2, 1, new float[18]));
        Assert.Throws<ArgumentException>(() => WinogradF2x3.AccumulateWeightGradient(new float[twoByOne], 2, 1, new float[17]));
        WinogradF2x3.TransformWeights(new float[18], 2, 1, false, new float[twoByOne]);     // exactly enough: no throw
    }

    [Theory]
    [InlineData(64, 144)]       // mnist-cnn conv2's M and E: exactly 9 × 4 KiB unpadded
    [InlineData(32, 144)]       // its V: 4.5 × 4 KiB
    [InlineData(64, 169)]       // the input gradient's V
    [InlineData(32, 64)]        // U and S: 8 KiB
    [InlineData(1, 1)]
    [InlineData(7, 13)]
    [InlineData(8, 16)]         // 128 floats: 512 bytes
    public void PositionStride_HoldsTheMatrix_InWholeLines_NeverAMultipleOf512Bytes(int rows, int columns)
    {
        int stride = WinogradF2x3.PositionStride(rows, columns);
        Assert.InRange(stride, rows * columns, rows * columns + 32);
        Assert.Equal(0, stride % 16);
        Assert.NotEqual(0, stride % 128);
        // The 16 positions' first lines fall into 16 different sets of a 64-set, 64-byte-line L1.
        Assert.Equal(16, Enumerable.Range(0, 16).Select(xi => xi * stride / 16 % 64).Distinct().Count());
        Assert.Equal(16 * stride, WinogradF2x3.BufferLength(rows, columns));
    }

    /// <summary>y[o, oy, ox] = b[o] + Σ_{c,i,j} g(o, c, i, j) · x[c, oy + i − p, ox + j − p], in double.</summary>
    private static float[] Reference(float[] x, int c, int h, int w, float[] weights, int o, int padding, Func<int, int, int, int, float> g, float[] bias)
    {
        int oh = h + 2 * padding - 2, ow = w + 2 * padding - 2;
        float[] y = new float[o * oh * ow];
        for (int oc = 0; oc < o; oc++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    double sum = bias.Length == 0 ? 0 : bias[oc];
                    for (int ic = 0; ic < c; ic++)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            for (int j = 0; j < 3; j++)
                            {
                                int r = oy + i - padding, col = ox + j - padding;
                                if (r >= 0 && r < h && col >= 0 && col < w)
                                {
                                    sum += (double)g(oc, ic, i, j) * x[(ic * h + r) * w + col];
                                }
                            }
                        }
                    }

                    y[(oc * oh + oy) * ow + ox] = (float)sum;
                }
            }
        }

        return y;
    }
}
