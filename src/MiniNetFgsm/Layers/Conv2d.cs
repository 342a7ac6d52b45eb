using System.Numerics.Tensors;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers;

/// <summary>
/// 2-D convolution (strictly, cross-correlation, as in PyTorch's <c>nn.Conv2d</c>):
/// <code>y[n,o,oy,ox] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, oy·s+i−p, ox·s+j−p]</code>
/// with zero padding p and stride s. Weight is (O, C, KH, KW), PyTorch's layout; bias is (O).
/// </summary>
/// <remarks>
/// Shapes: x is (N,C,H,W), y is (N,O,OH,OW). Computed as one matrix product over the whole batch:
/// cols (N·OH·OW, C·KH·KW) = im2col(x); rows (N·OH·OW, O) = cols · Wᵀ; y = per-image transpose of rows, plus b.
/// </remarks>
public sealed class Conv2d : Layer
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private Tensor? input;
    private float[] cols = [];      // (N·OH·OW, C·KH·KW)
    private float[] rows = [];      // (N·OH·OW, O): output or output gradient, pixel-major
    private float[] dcols = [];     // (N·OH·OW, C·KH·KW)
    private Tensor? output;
    private Tensor? inputGradient;

    /// <summary>Creates a convolution with a square kernel.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true)
        : this(inChannels, outChannels, kernelSize, kernelSize, stride, padding, bias)
    {
    }

    /// <summary>Creates a convolution with a KH×KW kernel.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelHeight, int kernelWidth, int stride, int padding, bool bias)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
        weight = new Parameter("weight", outChannels, inChannels, kernelHeight, kernelWidth);
        this.bias = bias ? new Parameter("bias", outChannels) : null;
    }

    /// <summary>Input channels C.</summary>
    public int InChannels { get; }

    /// <summary>Output channels O.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height KH.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width KW.</summary>
    public int KernelWidth { get; }

    /// <summary>Stride s (both axes).</summary>
    public int Stride { get; }

    /// <summary>Zero padding p (both axes).</summary>
    public int Padding { get; }

    /// <summary>Weight (O, C, KH, KW).</summary>
    public Parameter Weight => weight;

    /// <summary>Bias (O), or null.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => bias is null ? [weight] : [weight, bias];

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape[1] != InChannels)
        {
            throw new ArgumentException($"Conv2d expects (N, {InChannels}, H, W) but got [{string.Join(", ", inputShape)}].");
        }

        int oh = Im2Col.OutputSize(inputShape[2], KernelHeight, Stride, Padding);
        int ow = Im2Col.OutputSize(inputShape[3], KernelWidth, Stride, Padding);
        if (oh < 1 || ow < 1)
        {
            throw new ArgumentException($"Input [{string.Join(", ", inputShape)}] is smaller than the {KernelHeight}x{KernelWidth} kernel.");
        }

        return [inputShape[0], OutChannels, oh, ow];
    }

    /// <summary>
    /// Forward: cols = im2col(x); rows = cols · Wᵀ; y[n,o,:] = rows[n,:,o] + b[o].
    /// </summary>
    public override Tensor Forward(Tensor x, bool training)
    {
        int[] shape = OutputShape(x.Shape);
        int n = x[0], c = x[1], h = x[2], w = x[3], o = OutChannels, pixels = shape[2] * shape[3];
        int window = c * KernelHeight * KernelWidth;
        input = x;
        output = Tensor.Reuse(output, shape);
        Grow(ref cols, n * pixels * window);
        Grow(ref rows, n * pixels * o);

        float[] xs = x.Data, cs = cols;
        Parallelism.For(n, Threads, img => Im2Col.Unfold(
            xs.AsSpan(img * c * h * w, c * h * w), c, h, w, KernelHeight, KernelWidth, Stride, Padding,
            cs.AsSpan(img * pixels * window, pixels * window)));

        Gemm.Multiply(false, true, n * pixels, o, window, cols, window, weight.Value.Data, window, rows, o, threads: Threads);

        float[] rs = rows, ys = output.Data;
        float[]? bs = bias?.Value.Data;
        Parallelism.For(n, Threads, img =>
        {
            Span<float> y = ys.AsSpan(img * o * pixels, o * pixels);
            Transpose.Matrix(rs.AsSpan(img * pixels * o, pixels * o), pixels, o, y);
            if (bs is not null)
            {
                for (int ch = 0; ch < o; ch++)
                {
                    Span<float> plane = y.Slice(ch * pixels, pixels);
                    TensorPrimitives.Add(plane, bs[ch], plane);
                }
            }
        });
        return output;
    }

    /// <summary>
    /// Backward of rows = cols · Wᵀ (+ b): with drows the pixel-major view of dy,
    /// dW += drowsᵀ · cols, db[o] += Σ dy[:,o,:,:], dcols = drows · W, dx = col2im(dcols).
    /// </summary>
    public override Tensor? Backward(Tensor dy, bool needInputGradient = true)
    {
        Tensor x = Cached(input, nameof(Conv2d));
        int n = x[0], c = x[1], h = x[2], w = x[3], o = OutChannels, pixels = dy[2] * dy[3];
        int window = c * KernelHeight * KernelWidth;

        float[] dys = dy.Data, rs = rows;
        Parallelism.For(n, Threads, img => Transpose.Matrix(dys.AsSpan(img * o * pixels, o * pixels), o, pixels, rs.AsSpan(img * pixels * o, pixels * o)));

        if (bias is not null)
        {
            Span<float> db = bias.Gradient.Span;
            for (int img = 0; img < n; img++)
            {
                for (int ch = 0; ch < o; ch++)
                {
                    db[ch] += TensorPrimitives.Sum(dys.AsSpan((img * o + ch) * pixels, pixels));
                }
            }
        }

        Gemm.Multiply(true, false, o, window, n * pixels, rows, o, cols, window, weight.Gradient.Data, window, accumulate: true, threads: Threads);
        if (!needInputGradient)
        {
            return null;
        }

        Grow(ref dcols, n * pixels * window);
        Gemm.Multiply(false, false, n * pixels, window, o, rows, o, weight.Value.Data, window, dcols, window, threads: Threads);

        inputGradient = Tensor.Reuse(inputGradient, x.Shape);
        float[] dcs = dcols, dxs = inputGradient.Data;
        Parallelism.For(n, Threads, img => Im2Col.Fold(
            dcs.AsSpan(img * pixels * window, pixels * window), c, h, w, KernelHeight, KernelWidth, Stride, Padding,
            dxs.AsSpan(img * c * h * w, c * h * w)));
        return inputGradient;
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
