using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Layers.Convolution;
using Ref = MiniNetFgsm.Reference;

namespace MiniNetFgsm.Tests.Reference;

/// <summary>
/// Every fast layer against its reference (<see cref="MiniNetFgsm.Reference"/>) at every SIMD width this CPU supports:
/// y and every gradient within <c>tolerance · (1 + max|ref|)</c>, exactly where no sum is involved (max-pool, ReLU,
/// dropout, flatten). The conv shapes are chosen so that each of the fast layer's algorithms runs (see the comments).
/// </summary>
[Collection("SimdOverride")]
public class FastLayerOracleTests
{
    public static IEnumerable<object[]> ConvCases() => new object[][]
    {
        // n, c, o, h, w, kh, kw, stride, padding, bias, threads; the path chosen at 128 bits and up (every algorithm a shape
        // supports is forced too)
        [7, 1, 10, 28, 28, 5, 5, 1, 0, true, 2],     // direct forward and backward (25 taps, OW 24): lenet's conv1
        [1, 3, 4, 12, 13, 3, 3, 1, 0, false, 1],     // direct (27 taps, OW 11: an overlapping last vector), batch 1, no bias
        [2, 2, 3, 10, 10, 3, 3, 1, 0, true, 1],      // direct, OW exactly 8
        [7, 10, 20, 12, 12, 5, 5, 1, 0, true, 2],    // direct forward (narrow OW 8), unfold + GEMM backward: lenet's conv2
        [2, 8, 6, 20, 21, 3, 3, 1, 0, true, 1],      // Winograd training forward, Infer and backward (72 taps, odd OW 19); eval forward unfold + GEMM
        [1, 2, 3, 9, 11, 3, 3, 1, 1, true, 1],       // Winograd, padding 1, batch 1
        [3, 3, 5, 8, 7, 3, 3, 1, 2, false, 2],       // Winograd, padding 2, no bias
        [1, 32, 8, 26, 26, 3, 3, 1, 0, true, 1],     // Winograd on mnist-cnn conv2's input; unfold chunks of one image
        [7, 3, 4, 11, 9, 3, 3, 2, 1, true, 2],       // unfold + GEMM: stride 2, padding 1
        [2, 2, 3, 13, 10, 5, 5, 1, 2, true, 1],      // unfold + GEMM: 5×5, padding 2
        [2, 16, 8, 28, 28, 5, 5, 1, 0, true, 1],     // unfold + GEMM in chunks of one image (400 taps × 576 pixels)
        [5, 2, 3, 10, 9, 3, 2, 2, 0, true, 1],       // unfold + GEMM: a 3×2 kernel, stride 2
        [2, 5, 3, 6, 7, 1, 1, 1, 0, false, 1],       // 1×1, OW 7: direct at 128 bits (4-wide vectors), unfold + GEMM wider
        [3, 1, 6, 9, 8, 3, 3, 1, 0, true, 2],        // OW 6: direct at 128 bits only, Winograd's 3 tiles a row
        [3, 4, 5, 11, 10, 4, 4, 3, 1, true, 1],      // unfold + GEMM: stride 3 leaves rows unused
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_EveryAlgorithmAndSimdWidth_MatchesTheReference(int n, int c, int o, int h, int w, int kh, int kw, int stride, int padding, bool bias, int threads)
    {
        var failures = new List<string>();

        Oracle.AtEverySimdWidth(_ =>
        {
            // First the layer's own choice of algorithm per pass, then each algorithm forced on every pass it can run.
            var layer = new Conv2d(c, o, kh, kw, stride, padding, bias) { Threads = threads };
            failures.AddRange(ConvOracle.Check(layer, n, h, w, seed: n * 1000 + h * 10 + kh));
            foreach (Conv2dAlgorithm algorithm in Enum.GetValues<Conv2dAlgorithm>())
            {
                var forced = new Conv2d(c, o, kh, kw, stride, padding, bias) { Threads = threads, ForcedAlgorithm = algorithm };
                if (Conv2d.Supports(algorithm, forced.ShapeOf(new Tensor(n, c, h, w))))
                {
                    failures.AddRange(ConvOracle.Check(forced, n, h, w, seed: n * 1000 + h * 10 + kh).Select(f => $"forced {algorithm}: {f}"));
                }
            }
        });

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    [InlineData(2, 2, 9, 8)]     // odd height: the last row is not pooled
    [InlineData(2, 2, 8, 8)]     // lenet's pool2: 4-wide output rows
    [InlineData(2, 2, 24, 24)]   // lenet's pool1 and mnist-cnn's pool
    [InlineData(3, 2, 9, 7)]
    [InlineData(2, 1, 6, 7)]     // overlapping windows: gradients add up
    [InlineData(3, 3, 10, 9)]
    [InlineData(3, 1, 7, 6)]
    public void MaxPool2d_WithTies_MatchesTheReferenceExactly(int kernel, int stride, int h, int w)
    {
        var random = new Random(kernel * 100 + stride * 10 + h);
        (int n, int c) = (3, 2);
        // Values from {−1, 0, 1, 2}: most windows hold ties, which must go to the first maximum in row-major order.
        float[] x = [.. Enumerable.Range(0, n * c * h * w).Select(_ => (float)random.Next(-1, 3))];
        float[] y = Ref.MaxPool2d.Forward(x, n, c, h, w, kernel, stride);
        float[] dy = TestData.Uniform(random, y.Length);
        float[] dx = Ref.MaxPool2d.Backward(dy, x, n, c, h, w, kernel, stride);
        var failures = new List<string?>();

        Oracle.AtEverySimdWidth(width =>
        {
            var pool = new MaxPool2d(kernel, stride);
            failures.Add(Oracle.Compare($"{width} y", pool.Forward(new Tensor(x, n, c, h, w), training: false).Span, y, 0));
            failures.Add(Oracle.Compare($"{width} dx", pool.Backward(new Tensor(dy, pool.OutputShape([n, c, h, w])))!.Span, dx, 0));
        });

        Assert.True(failures.All(f => f is null), string.Join(Environment.NewLine, failures.Where(f => f is not null)));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 37, 13)]
    [InlineData(64, 320, 50)]
    [InlineData(7, 128, 10)]
    public void Dense_EverySimdWidth_MatchesTheReference(int n, int inFeatures, int outFeatures)
    {
        var random = new Random(inFeatures * 7 + n);
        float[] x = TestData.Uniform(random, n * inFeatures);
        float[] weight = TestData.Uniform(random, outFeatures * inFeatures);
        float[] bias = TestData.Uniform(random, outFeatures);
        float[] dy = TestData.Uniform(random, n * outFeatures);
        float[] y = Ref.Dense.Forward(x, weight, bias, n, inFeatures, outFeatures);
        (float[] dx, float[] dweight, float[] dbias) = Ref.Dense.Backward(dy, x, weight, n, inFeatures, outFeatures);
        var failures = new List<string?>();

        Oracle.AtEverySimdWidth(width =>
        {
            var dense = new Dense(inFeatures, outFeatures);
            weight.CopyTo(dense.Weight.Value.Span);
            bias.CopyTo(dense.Bias.Value.Span);
            failures.Add(Oracle.Compare($"{width} y", dense.Forward(new Tensor(x, n, inFeatures), training: false).Span, y, ConvOracle.Tolerance));
            failures.Add(Oracle.Compare($"{width} dx", dense.Backward(new Tensor(dy, n, outFeatures))!.Span, dx, ConvOracle.Tolerance));
            failures.Add(Oracle.Compare($"{width} dW", dense.Weight.Gradient.Span, dweight, ConvOracle.Tolerance));
            failures.Add(Oracle.Compare($"{width} db", dense.Bias.Gradient.Span, dbias, ConvOracle.Tolerance));
        });

        Assert.True(failures.All(f => f is null), string.Join(Environment.NewLine, failures.Where(f => f is not null)));
    }

    [Fact]
    public void ReLU_EverySimdWidthAndLength_MatchesTheReferenceExactlyWithZeroGradientAtZero()
    {
        var random = new Random(31);
        var failures = new List<string?>();

        Oracle.AtEverySimdWidth(width =>
        {
            foreach (int length in Enumerable.Range(0, 40).Append(1001))
            {
                // A third of the inputs exactly ±0, where the gradient must be 0.
                float[] x = [.. TestData.Uniform(random, length).Select((v, i) => i % 3 == 0 ? (i % 2 == 0 ? 0f : -0f) : v)];
                float[] dy = TestData.Uniform(random, length);
                var relu = new ReLU();
                failures.Add(Oracle.Compare($"{width} length {length} y", relu.Forward(new Tensor(x, length), training: false).Span, Ref.ReLU.Forward(x), 0));
                failures.Add(Oracle.Compare($"{width} length {length} dx", relu.Backward(new Tensor(dy, length))!.Span, Ref.ReLU.Backward(dy, x), 0));
            }
        });

        Assert.True(failures.All(f => f is null), string.Join(Environment.NewLine, failures.Where(f => f is not null)));
    }

    [Fact]
    public void Dropout_TrainingMask_IsZeroOrOneOverOneMinusPAndMatchesTheReferenceExactly()
    {
        var random = new Random(32);
        (int n, int features, double p) = (5, 123, 0.4);
        float[] x = TestData.Uniform(random, n * features);
        float[] dy = TestData.Uniform(random, n * features);
        var failures = new List<string?>();

        Oracle.AtEverySimdWidth(width =>
        {
            var dropout = new Dropout(p);
            dropout.Reseed(7);
            float[] mask = dropout.Forward(new Tensor(Enumerable.Repeat(1f, x.Length).ToArray(), n, features), training: true).Span.ToArray();
            Assert.All(mask, m => Assert.True(m == 0f || m == (float)(1 / (1 - p)), $"mask value {m}"));
            Assert.InRange(mask.Count(m => m == 0f), (int)(0.3 * mask.Length), (int)(0.5 * mask.Length));
            dropout.Reseed(7);
            failures.Add(Oracle.Compare($"{width} y", dropout.Forward(new Tensor(x, n, features), training: true).Span, Ref.Dropout.Forward(x, mask), 0));
            failures.Add(Oracle.Compare($"{width} dx", dropout.Backward(new Tensor(dy, n, features))!.Span, Ref.Dropout.Backward(dy, mask), 0));
            failures.Add(Oracle.Compare($"{width} evaluation y", dropout.Forward(new Tensor(x, n, features), training: false).Span, x, 0));
        });

        Assert.True(failures.All(f => f is null), string.Join(Environment.NewLine, failures.Where(f => f is not null)));
    }

    [Fact]
    public void Flatten_MatchesTheReferenceExactly()
    {
        var random = new Random(33);
        float[] x = TestData.Uniform(random, 2 * 3 * 4 * 5), dy = TestData.Uniform(random, x.Length);
        var flatten = new Flatten();

        Tensor y = flatten.Forward(new Tensor(x, 2, 3, 4, 5), training: false);
        Tensor dx = flatten.Backward(new Tensor(dy, 2, 60))!;

        Assert.Equal([2, 60], y.Shape);
        Assert.Equal(Ref.Flatten.Forward(x), y.Data);
        Assert.Equal([2, 3, 4, 5], dx.Shape);
        Assert.Equal(Ref.Flatten.Backward(dy), dx.Data);
    }

    [Fact]
    public void SoftmaxCrossEntropy_EverySimdWidth_MatchesTheReference()
    {
        var random = new Random(34);
        (int n, int k) = (9, 10);
        float[] logits = TestData.Uniform(random, n * k, -20, 20);
        logits[0] = 80f;    // exp(80) overflows float without the max subtraction
        int[] labels = [.. Enumerable.Range(0, n).Select(_ => random.Next(k))];
        float loss = Ref.SoftmaxCrossEntropy.Forward(logits, labels, n, k);
        float[] dlogits = Ref.SoftmaxCrossEntropy.Backward(logits, labels, n, k);
        var failures = new List<string?>();

        Oracle.AtEverySimdWidth(width =>
        {
            var fast = new SoftmaxCrossEntropy();
            failures.Add(Oracle.Compare($"{width} loss", [fast.Forward(new Tensor(logits, n, k), labels)], [loss], 1e-6));
            failures.Add(Oracle.Compare($"{width} dz", fast.Backward().Span, dlogits, 1e-6));
        });

        Assert.True(failures.All(f => f is null), string.Join(Environment.NewLine, failures.Where(f => f is not null)));
    }
}
