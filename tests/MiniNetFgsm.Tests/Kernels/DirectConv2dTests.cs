using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Kernels;

/// <summary>The direct small-window convolution against its scalar references, on odd and edge shapes.</summary>
public class DirectConv2dTests
{
    public static TheoryData<int, int, int, int, int, int, int> Shapes() => new()
    {
        // n, c, h, w, o, kh, kw
        { 1, 1, 12, 12, 1, 5, 5 },     // OW = 8: exactly one vector per row
        { 3, 1, 28, 28, 10, 5, 5 },    // lenet conv1 (OW = 24)
        { 2, 1, 28, 28, 4, 3, 3 },     // mnist-cnn conv1 (OW = 26: an overlapping last vector)
        { 1, 3, 9, 17, 2, 3, 3 },      // 27 taps, OW = 15
        { 2, 2, 7, 11, 3, 1, 1 },      // 1×1 kernel, OW = 11, primes
        { 1, 1, 5, 13, 7, 2, 5 },      // non-square kernel, OH = 4, OW = 9
        { 1, 32, 3, 9, 2, 1, 1 },      // 32 taps, the most the direct backward takes
        { 5, 10, 12, 12, 20, 5, 5 },   // lenet conv2 (250 taps, OW = 8): direct forward only
        { 1, 3, 13, 21, 6, 4, 4 },     // 48 taps, OW = 18, 6 output channels (forward: 4 + 1 + 1; dW: 4 + 2, or 2 + 2 + 2)
        { 2, 1, 11, 12, 4, 5, 5 },     // OH = 7: an odd number of output rows
        { 1, 2, 14, 15, 3, 7, 7 },     // 7-wide kernel rows (tap blocks of 5 + 2), 3 output channels (dW: one group of 4 with
                                       // a masked fourth, or a pair and a lone one)
        { 1, 1, 9, 12, 4, 5, 5 },      // OH = 5: Forward4x4's last pass has one row
        { 2, 1, 13, 12, 1, 5, 5 },     // one output channel, OH = 9: Forward1's passes of 8 rows and 1
        { 1, 2, 20, 9, 3, 3, 1 },      // OH = 18 (8 + 8 + 2) for the lone channels, OW = 9
        { 1, 32, 11, 30, 1, 1, 1 },    // a lone channel whose 8-row passes would not stay in L1: four rows (4 + 4 + 3)
        { 1, 1, 8, 8, 3, 3, 3 },       // OW = 6: 128-bit vectors only (one of 4 and an overlapping one), 3 channels
        { 2, 2, 7, 5, 5, 2, 2 },       // OW = 4: exactly one 128-bit vector per row, primes
        { 1, 1, 6, 5, 1, 1, 1 },       // 1×1 kernel, one channel, OW = 5, OH = 6
        { 3, 3, 13, 11, 7, 3, 5 },     // OW = 7 (4 + an overlap of 1), OH = 11, 45 taps
    };

    /// <summary>The vector widths the direct kernels run at on this CPU (128-bit vectors and wider).</summary>
    public static IEnumerable<SimdWidth> VectorWidths => Simd.Supported.Where(width => width >= SimdWidth.V128);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_IsBitIdenticalToTheScalarReference(int n, int c, int h, int w, int o, int kh, int kw)
    {
        var s = new ConvShape(n, c, h, w, o, kh, kw);
        (float[] x, float[] weights, float[] bias) = Inputs(s, seed: 61);
        float[] y = new float[n * o * s.OutputHeight * s.OutputWidth], expected = new float[y.Length];

        DirectConv2d.ForwardReference(x, weights, bias, expected, s);

        // 128: 4-wide vectors; 256: two rows × four channels per pass; 512: four rows × four channels (AVX-512's 32
        // registers). Rows narrower than a width's vectors are not its to run.
        foreach (SimdWidth width in VectorWidths.Where(width => s.OutputWidth >= VectorOps.Lanes(width)))
        {
            Array.Clear(y);
            DirectConv2d.Forward(width, x, weights, bias, y, s, 0, n * o);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardWeights_MatchesTheDoubleReferenceAndAccumulates(int n, int c, int h, int w, int o, int kh, int kw)
    {
        var s = new ConvShape(n, c, h, w, o, kh, kw);
        (float[] x, float[] weights, _) = Inputs(s, seed: 62);
        float[] dy = TestData.Uniform(new Random(63), n * o * s.OutputHeight * s.OutputWidth);
        float[] dw = Enumerable.Repeat(0.5f, weights.Length).ToArray(), expected = (float[])dw.Clone();

        float[] start = (float[])dw.Clone();
        DirectConv2d.BackwardWeightsReference(x, dy, expected, s);

        var results = new Dictionary<SimdWidth, float[]>();
        foreach (SimdWidth width in VectorWidths.Where(width => s.OutputWidth >= VectorOps.Lanes(width)))
        {
            float[] result = (float[])start.Clone();
            DirectConv2d.BackwardWeights(width, x, dy, result, s, 0, o);
            // Float sums of up to 1,728 products per lane; on SSE-only x64 (no FMA) each step rounds twice: measured up to
            // 1.2e-5 relative there, 1e-5 or less with FMA.
            Assert.True(TestData.MaxRelativeError(result, expected) < 2e-5, $"{width}: max relative error {TestData.MaxRelativeError(result, expected)}");
            Assert.NotEqual(start, result);
            results[width] = result;
        }

        // Two channels per pass (256) and four (512) sum every weight in the same order: the same bits.
        if (results.TryGetValue(SimdWidth.V256, out float[]? two) && results.TryGetValue(SimdWidth.V512, out float[]? four))
        {
            Assert.Equal(two.Select(BitConverter.SingleToInt32Bits), four.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardInput_MatchesTheDoubleReferenceAndOverwrites(int n, int c, int h, int w, int o, int kh, int kw)
    {
        var s = new ConvShape(n, c, h, w, o, kh, kw);
        (_, float[] weights, _) = Inputs(s, seed: 64);
        float[] dy = TestData.Uniform(new Random(65), n * o * s.OutputHeight * s.OutputWidth);
        float[] dx = Enumerable.Repeat(9f, n * c * h * w).ToArray(), expected = new float[dx.Length];

        DirectConv2d.BackwardInputReference(weights, dy, expected, s);

        foreach (SimdWidth width in VectorWidths.Where(width => s.OutputWidth >= VectorOps.Lanes(width)))
        {
            Array.Fill(dx, 9f);
            BackwardInput(weights, dy, dx, s, new float[DirectConv2d.PaddedGradientLength(s)], 0, n * c, width);
            Assert.True(TestData.MaxRelativeError(dx, expected) < 1e-5, $"{width}: max relative error {TestData.MaxRelativeError(dx, expected)}");
        }
    }

    [Fact]
    public void BackwardInput_PlaneRangesStartingMidImage_AndShapesAlternating_MatchTheReference()
    {
        // Threads split the N·C planes anywhere, and the caller's padded-dy scratch for a shape is reused across calls
        // (its border stays zero) while another shape's is used in between.
        var a = new ConvShape(3, 3, 12, 13, 5, 3, 3);
        var b = new ConvShape(2, 2, 10, 10, 6, 2, 2);
        var padded = new Dictionary<ConvShape, float[]> { [a] = new float[DirectConv2d.PaddedGradientLength(a)], [b] = new float[DirectConv2d.PaddedGradientLength(b)] };
        foreach ((ConvShape s, int seed) in new[] { (a, 70), (b, 71), (a, 72), (b, 73) })
        {
            (_, float[] weights, _) = Inputs(s, seed);
            float[] dy = TestData.Uniform(new Random(seed + 100), s.Images * s.OutChannels * s.OutputHeight * s.OutputWidth);
            float[] expected = new float[s.Images * s.Channels * s.Height * s.Width], dx = new float[expected.Length];
            DirectConv2d.BackwardInputReference(weights, dy, expected, s);

            int planes = s.Images * s.Channels;
            foreach (SimdWidth width in VectorWidths)
            {
                Array.Clear(dx);
                foreach ((int first, int last) in new[] { (0, 1), (1, s.Channels + 1), (s.Channels + 1, planes - 1), (planes - 1, planes) })
                {
                    BackwardInput(weights, dy, dx, s, padded[s], first, last, width);
                }

                Assert.True(TestData.MaxRelativeError(dx, expected) < 1e-5, $"{s} at {width}: max relative error {TestData.MaxRelativeError(dx, expected)}");
            }
        }
    }

    [Fact]
    public void Conv2dLayer_OnTheDirectPathWithTwoThreads_BackwardEqualsOneThread()
    {
        var s = new ConvShape(5, 1, 28, 28, 10, 5, 5);
        (float[] x, float[] weights, float[] bias) = Inputs(s, seed: 67);
        float[] dy = TestData.Uniform(new Random(68), 5 * 10 * 24 * 24);
        var results = new List<(float[] Dx, float[] Dw, float[] Db)>();
        foreach (int threads in new[] { 1, 2 })
        {
            var conv = new Conv2d(1, 10, 5) { Threads = threads };
            weights.CopyTo(conv.Weight.Value.Span);
            bias.CopyTo(conv.Bias!.Value.Span);
            conv.Forward(new Tensor(x, 5, 1, 28, 28), training: true);
            Tensor dx = conv.Backward(new Tensor(dy, 5, 10, 24, 24))!;
            results.Add((dx.Span.ToArray(), conv.Weight.Gradient.Span.ToArray(), conv.Bias.Gradient.Span.ToArray()));
        }

        Assert.Equal(results[0].Dx, results[1].Dx);
        Assert.Equal(results[0].Dw, results[1].Dw);
        Assert.Equal(results[0].Db, results[1].Db);
        float[] expectedDx = new float[results[0].Dx.Length];
        DirectConv2d.BackwardInputReference(weights, dy, expectedDx, s);
        Assert.True(TestData.MaxRelativeError(results[0].Dx, expectedDx) < 1e-5);
    }

    [Fact]
    public void Supports_StrideOneUnpaddedRowsOfAtLeastOneVector_ForwardAlsoForNarrowRows()
    {
        bool wide = Simd.Width >= SimdWidth.V128;
        int lanes = VectorOps.Lanes(Simd.Width);

        Assert.Equal(wide, DirectConv2d.IsFasterForward(1, 5, 5, 1, 0, 24));
        Assert.Equal(wide, DirectConv2d.IsFasterBackward(1, 5, 5, 1, 0, 24));
        Assert.False(DirectConv2d.IsFasterForward(1, 5, 5, 2, 0, 24));
        Assert.False(DirectConv2d.IsFasterForward(1, 5, 5, 1, 1, 24));
        Assert.Equal(wide, DirectConv2d.IsFasterForward(10, 5, 5, 1, 0, 8));   // lenet conv2: narrow rows
        Assert.False(DirectConv2d.IsFasterBackward(10, 5, 5, 1, 0, 8));       // 250 taps: backward by im2col + GEMM
        Assert.Equal(wide, DirectConv2d.Supports(1, 0, 8));                     // ... which the kernels can still run
        Assert.False(DirectConv2d.IsFasterForward(32, 3, 3, 1, 0, 24));       // mnist-cnn conv2
        Assert.False(DirectConv2d.IsFasterForward(1, 3, 3, 1, 0, lanes - 1));
        Assert.False(DirectConv2d.Supports(1, 0, lanes - 1));
        Assert.Equal(wide, DirectConv2d.Supports(1, 0, lanes));
    }

    [Fact]
    public void Conv2dLayer_OnTheDirectPath_EqualsTheReferenceConvolution()
    {
        var s = new ConvShape(4, 1, 28, 28, 10, 5, 5);
        var conv = new Conv2d(1, 10, 5);
        (float[] x, float[] weights, float[] bias) = Inputs(s, seed: 66);
        weights.CopyTo(conv.Weight.Value.Span);
        bias.CopyTo(conv.Bias!.Value.Span);
        conv.Threads = 2;
        float[] expected = new float[4 * 10 * 24 * 24];

        Tensor y = conv.Forward(new Tensor(x, 4, 1, 28, 28), training: false);
        DirectConv2d.ForwardReference(x, weights, bias, expected, s);

        Assert.True(TestData.MaxRelativeError(y.Span, expected) < 1e-6);
    }

    private static (float[] X, float[] Weights, float[] Bias) Inputs(ConvShape s, int seed)
    {
        var random = new Random(seed);
        return (TestData.Uniform(random, s.Images * s.Channels * s.Height * s.Width),
                TestData.Uniform(random, s.OutChannels * s.Taps),
                TestData.Uniform(random, s.OutChannels));
    }

    /// <summary>dx through the direct input gradient as a caller runs it: flip the weights, then gather planes [first, last).</summary>
    private static void BackwardInput(float[] weights, float[] dy, float[] dx, ConvShape s, float[] padded, int first, int last, SimdWidth width)
    {
        float[] flipped = new float[weights.Length];
        DirectConv2d.FlipWeights(weights, s, flipped);
        DirectConv2d.BackwardInput(width, flipped, dy, dx, padded, s, first, last);
    }
}
