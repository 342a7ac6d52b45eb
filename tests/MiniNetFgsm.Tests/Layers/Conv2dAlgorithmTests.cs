using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Layers.Convolution;

namespace MiniNetFgsm.Tests.Layers;

/// <summary>
/// Every algorithm <see cref="Conv2d"/> can run (forced through <see cref="Conv2d.ForcedAlgorithm"/>) on every shape
/// it supports, at every SIMD width: y, dW, db and dx agree with unfold + GEMM and with a plain double-precision
/// convolution (the direct kernels' references where the shape is stride 1, unpadded).
/// </summary>
[Collection("SimdOverride")]
public class Conv2dAlgorithmTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> Shapes() => new()
    {
        // n, c, h, w, o, k, stride, padding
        { 3, 1, 12, 12, 4, 3, 1, 0 },      // all three: 3×3, unpadded, OW = 10
        { 2, 3, 11, 13, 5, 3, 1, 1 },      // unfold + GEMM and Winograd: padding 1, odd output sizes
        { 2, 2, 9, 10, 3, 3, 1, 2 },       // Winograd's widest padding (the input gradient's border is 0)
        { 2, 2, 14, 14, 3, 5, 1, 0 },      // unfold + GEMM and direct: 5×5
        { 5, 8, 22, 22, 4, 5, 1, 0 },      // several images per unfold chunk, the last partial; direct with 200 taps
        { 1, 2, 9, 9, 2, 3, 2, 1 },        // stride 2: unfold + GEMM only
        { 2, 6, 21, 21, 5, 3, 1, 0 },      // Winograd and direct on mnist-cnn conv2's kind of layer, OW = 19
        { 2, 2, 8, 9, 3, 3, 1, 0 },        // OW = 7: direct at 128 bits only (one 4-wide vector and an overlap)
        { 3, 3, 7, 6, 5, 3, 1, 0 },        // OW = 4: direct at 128 bits only, one vector per row; Winograd's 2 tiles a row
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryForcedAlgorithm_AtEveryWidth_MatchesUnfoldGemmAndThePlainConvolution(int n, int c, int h, int w, int o, int k, int stride, int padding)
    {
        var random = new Random(97);
        float[] weights = TestData.Uniform(random, o * c * k * k), bias = TestData.Uniform(random, o);
        float[] x = TestData.Uniform(random, n * c * h * w);
        int oh = Im2Col.OutputSize(h, k, stride, padding), ow = Im2Col.OutputSize(w, k, stride, padding);
        float[] dy = TestData.Uniform(random, n * o * oh * ow);
        Passes plain = Plain(x, weights, bias, dy, n, c, h, w, o, k, stride, padding);
        SimdWidth? saved = Simd.Override;
        try
        {
            foreach (SimdWidth width in Simd.Supported)
            {
                Simd.Override = width;
                Passes baseline = Run(Conv2dAlgorithm.UnfoldGemm, x, weights, bias, dy, n, c, h, w, o, k, stride, padding);
                foreach (Conv2dAlgorithm algorithm in Enum.GetValues<Conv2dAlgorithm>())
                {
                    var shape = new Conv2dShape(n, c, h, w, o, k, k, stride, padding);
                    if (!Conv2d.Supports(algorithm, shape))
                    {
                        Assert.Throws<InvalidOperationException>(() => Run(algorithm, x, weights, bias, dy, n, c, h, w, o, k, stride, padding));
                        continue;
                    }

                    Passes actual = Run(algorithm, x, weights, bias, dy, n, c, h, w, o, k, stride, padding);

                    string where = $"{algorithm} at {width} on {shape}";
                    Close(actual.Y, baseline.Y, 2e-5, $"y against unfold + GEMM, {where}");
                    Close(actual.Dw, baseline.Dw, 1e-4, $"dW against unfold + GEMM, {where}");
                    Close(actual.Db, baseline.Db, 1e-4, $"db against unfold + GEMM, {where}");
                    Close(actual.Dx, baseline.Dx, 2e-5, $"dx against unfold + GEMM, {where}");
                    Close(actual.Y, plain.Y, 2e-5, $"y against the plain convolution, {where}");
                    Close(actual.Dw, plain.Dw, 1e-4, $"dW against the plain convolution, {where}");
                    Close(actual.Db, plain.Db, 1e-4, $"db against the plain convolution, {where}");
                    Close(actual.Dx, plain.Dx, 2e-5, $"dx against the plain convolution, {where}");
                }
            }
        }
        finally
        {
            Simd.Override = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void StrideOneUnpaddedShapes_MatchTheDirectKernelsReferences(int n, int c, int h, int w, int o, int k, int stride, int padding)
    {
        if (stride != 1 || padding != 0)
        {
            return;     // the direct references take stride 1 without padding
        }

        var random = new Random(98);
        float[] weights = TestData.Uniform(random, o * c * k * k), bias = TestData.Uniform(random, o);
        float[] x = TestData.Uniform(random, n * c * h * w);
        var s = new ConvShape(n, c, h, w, o, k, k);
        float[] dy = TestData.Uniform(random, n * o * s.OutputHeight * s.OutputWidth);
        float[] y = new float[dy.Length], dw = new float[weights.Length], dx = new float[x.Length];
        DirectConv2d.ForwardReference(x, weights, bias, y, s);
        DirectConv2d.BackwardWeightsReference(x, dy, dw, s);
        DirectConv2d.BackwardInputReference(weights, dy, dx, s);
        SimdWidth? saved = Simd.Override;
        try
        {
            foreach (SimdWidth width in Simd.Supported)
            {
                Simd.Override = width;
                foreach (Conv2dAlgorithm algorithm in Enum.GetValues<Conv2dAlgorithm>())
                {
                    if (!Conv2d.Supports(algorithm, new Conv2dShape(n, c, h, w, o, k, k, 1, 0)))
                    {
                        continue;
                    }

                    Passes actual = Run(algorithm, x, weights, bias, dy, n, c, h, w, o, k, 1, 0);

                    string where = $"{algorithm} at {width} on {s}";
                    Close(actual.Y, y, 2e-5, $"y, {where}");
                    Close(actual.Dw, dw, 1e-4, $"dW, {where}");
                    Close(actual.Dx, dx, 2e-5, $"dx, {where}");
                    if (algorithm == Conv2dAlgorithm.Direct)
                    {
                        // The direct forward kernel runs the reference's fused multiply-adds in the reference's order.
                        Assert.Equal(y.Select(BitConverter.SingleToInt32Bits), actual.Y.Select(BitConverter.SingleToInt32Bits));
                    }
                }
            }
        }
        finally
        {
            Simd.Override = saved;
        }
    }

    [Fact]
    public void AlgorithmFor_TheModelsLayers_PicksDirectForFirstLayersAndWinogradOffTheEvaluationPass()
    {
        var conv1 = new Conv2d(1, 32, 3);
        var conv2 = new Conv2d(32, 64, 3);
        Conv2dShape first = conv1.ShapeOf(new Tensor(2, 1, 28, 28)), second = conv2.ShapeOf(new Tensor(2, 32, 26, 26));
        Conv2dAlgorithm direct = Simd.Width >= SimdWidth.V128 ? Conv2dAlgorithm.Direct : Conv2dAlgorithm.UnfoldGemm;

        Assert.Equal(direct, conv1.AlgorithmFor(Conv2dPass.EvaluationForward, first));
        // Without vectors there is no direct path, and conv1's 3×3 backward goes to Winograd like conv2's.
        Assert.Equal(Simd.Width >= SimdWidth.V128 ? Conv2dAlgorithm.Direct : Conv2dAlgorithm.Winograd, conv1.AlgorithmFor(Conv2dPass.Backward, first));
        Assert.Equal(Conv2dAlgorithm.UnfoldGemm, conv2.AlgorithmFor(Conv2dPass.EvaluationForward, second));
        Assert.Equal(Conv2dAlgorithm.Winograd, conv2.AlgorithmFor(Conv2dPass.TrainingForward, second));
        Assert.Equal(Conv2dAlgorithm.Winograd, conv2.AlgorithmFor(Conv2dPass.Infer, second));
        Assert.Equal(Conv2dAlgorithm.Winograd, conv2.AlgorithmFor(Conv2dPass.Backward, second));
    }

    [Fact]
    public void ForcedAlgorithm_OnAShapeItCannotRun_ThrowsNamingIt()
    {
        var conv = new Conv2d(1, 2, 5) { ForcedAlgorithm = Conv2dAlgorithm.Winograd };

        var error = Assert.Throws<InvalidOperationException>(() => conv.Forward(new Tensor(1, 1, 12, 12), training: true));

        Assert.Contains("Winograd", error.Message);
    }

    private sealed record Passes(float[] Y, float[] Dw, float[] Db, float[] Dx);

    /// <summary>Forward (training) and backward through a fresh layer forced onto <paramref name="algorithm"/>.</summary>
    private static Passes Run(Conv2dAlgorithm algorithm, float[] x, float[] weights, float[] bias, float[] dy, int n, int c, int h, int w, int o, int k, int stride, int padding)
    {
        var conv = new Conv2d(c, o, k, stride, padding) { ForcedAlgorithm = algorithm, Threads = 2 };
        weights.CopyTo(conv.Weight.Value.Span);
        bias.CopyTo(conv.Bias!.Value.Span);
        Tensor y = conv.Forward(new Tensor((float[])x.Clone(), n, c, h, w), training: true);
        float[] output = y.Span.ToArray();
        Tensor dx = conv.Backward(new Tensor((float[])dy.Clone(), y.Shape))!;
        return new Passes(output, conv.Weight.Gradient.Span.ToArray(), conv.Bias.Gradient.Span.ToArray(), dx.Span.ToArray());
    }

    /// <summary>The six loops of the definition, in double, for any stride and padding.</summary>
    private static Passes Plain(float[] x, float[] weights, float[] bias, float[] dy, int n, int c, int h, int w, int o, int k, int stride, int padding)
    {
        int oh = Im2Col.OutputSize(h, k, stride, padding), ow = Im2Col.OutputSize(w, k, stride, padding);
        double[] y = new double[n * o * oh * ow], dw = new double[weights.Length], db = new double[o], dx = new double[x.Length];
        for (int img = 0; img < n; img++)
        {
            for (int oc = 0; oc < o; oc++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int at = ((img * o + oc) * oh + oy) * ow + ox;
                        double sum = bias[oc], d = dy[at];
                        db[oc] += d;
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int i = 0; i < k; i++)
                            {
                                for (int j = 0; j < k; j++)
                                {
                                    int iy = oy * stride + i - padding, ix = ox * stride + j - padding;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                    {
                                        continue;
                                    }

                                    int xi = ((img * c + ch) * h + iy) * w + ix, wi = ((oc * c + ch) * k + i) * k + j;
                                    sum += (double)weights[wi] * x[xi];
                                    dw[wi] += d * x[xi];        // forward was y += W · x, so dW += dy · x
                                    dx[xi] += d * weights[wi];  // and dx += dy · W
                                }
                            }
                        }

                        y[at] = sum;
                    }
                }
            }
        }

        static float[] Single(double[] values) => values.Select(v => (float)v).ToArray();
        return new Passes(Single(y), Single(dw), Single(db), Single(dx));
    }

    /// <summary>Asserts the magnitude-scaled error (|a − b| / max(1, |b|)) is within <paramref name="tolerance"/>, and
    /// names the worst element when it is not.</summary>
    private static void Close(float[] actual, float[] expected, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        (double worst, int at) = (0, -1);
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            if (error > worst || double.IsNaN(error))
            {
                (worst, at) = (double.IsNaN(error) ? double.PositiveInfinity : error, i);
            }
        }

        if (worst > tolerance)
        {
            Assert.Fail($"{what}: worst scaled difference {worst:E2} at [{at}] ({actual[at]} against {expected[at]}), tolerance {tolerance:E0}");
        }
    }
}
