using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using Ref = MiniNetFgsm.Reference;

namespace MiniNetFgsm.Tests.Reference;

/// <summary>
/// Checks a fast <see cref="Conv2d"/> against <see cref="Ref.Conv2d"/> on one input shape: random weights, bias, x and dy
/// (seeded), then y from Forward (evaluation and training) and Infer, and dx, dW, db from Backward after each forward,
/// each within <c>tolerance · (1 + max|ref|)</c>. It runs whatever algorithm the layer picks for that shape at the current
/// SIMD width, so a caller that forces one algorithm (or a width) checks that one.
/// </summary>
internal static class ConvOracle
{
    /// <summary>
    /// Float rounding of sums of up to a few thousand products, Winograd's transforms included: the worst case of
    /// <see cref="FastLayerOracleTests"/> is about 2.3e-6 (a bias gradient summed over 4,000 elements), ten times below.
    /// </summary>
    public const double Tolerance = 2e-5;

    /// <summary>The failures (empty when the layer matches), each naming the shape, the pass and the worst element.</summary>
    public static IReadOnlyList<string> Check(Conv2d layer, int n, int h, int w, int seed, double tolerance = Tolerance)
    {
        var random = new Random(seed);
        (int c, int o, int kh, int kw, int s, int p) = (layer.InChannels, layer.OutChannels, layer.KernelHeight, layer.KernelWidth, layer.Stride, layer.Padding);
        float[] x = TestData.Uniform(random, n * c * h * w);
        TestData.Uniform(random, layer.Weight.Value.Length).CopyTo(layer.Weight.Value.Span);
        if (layer.Bias is not null)
        {
            TestData.Uniform(random, o).CopyTo(layer.Bias.Value.Span);
        }

        float[] weight = layer.Weight.Value.Span.ToArray();
        float[]? bias = layer.Bias?.Value.Span.ToArray();
        int oh = Ref.Conv2d.OutputSize(h, kh, s, p), ow = Ref.Conv2d.OutputSize(w, kw, s, p);
        float[] y = Ref.Conv2d.Forward(x, weight, bias, n, c, h, w, o, kh, kw, s, p);
        float[] dy = TestData.Uniform(random, y.Length);
        (float[] dx, float[] dweight, float[]? dbias) = Ref.Conv2d.Backward(dy, x, weight, bias, n, c, h, w, o, kh, kw, s, p);

        string shape = $"Conv2d(c {c}, o {o}, {kh}×{kw}, stride {s}, padding {p}, bias {bias is not null}) on x ({n},{c},{h},{w}) at {Simd.Width}";
        var failures = new List<string>();
        void Add(string? failure)
        {
            if (failure is not null)
            {
                failures.Add($"{shape}, {failure}");
            }
        }

        var input = new Tensor(x, n, c, h, w);
        Add(Oracle.Compare("Infer y", layer.Infer(input).Span, y, tolerance));
        foreach (bool training in new[] { false, true })
        {
            string pass = training ? "training" : "evaluation";
            Add(Oracle.Compare($"{pass} Forward y", layer.Forward(input, training).Span, y, tolerance));
            layer.Weight.Gradient.Clear();
            layer.Bias?.Gradient.Clear();
            Tensor fastDx = layer.Backward(new Tensor((float[])dy.Clone(), n, o, oh, ow))!;
            Add(Oracle.Compare($"{pass} Backward dx", fastDx.Span, dx, tolerance));
            Add(Oracle.Compare($"{pass} Backward dW", layer.Weight.Gradient.Span, dweight, tolerance));
            if (layer.Bias is not null)
            {
                Add(Oracle.Compare($"{pass} Backward db", layer.Bias.Gradient.Span, dbias!, tolerance));
            }
        }

        return failures;
    }
}
