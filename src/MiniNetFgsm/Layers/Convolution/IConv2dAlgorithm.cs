using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers.Convolution;

/// <summary>
/// One way of computing <see cref="Conv2d"/>'s passes. The layer owns the parameters, the shapes and the cached input
/// and picks the algorithm (<see cref="Conv2d.AlgorithmFor"/>); an algorithm owns only its scratch buffers, and every
/// call gets its data and sizes as arguments.
/// </summary>
/// <remarks>
/// Buffers are <see cref="Memory{T}"/> so that the parallel parts can carry them in a small readonly struct (a
/// <see cref="Span{T}"/> cannot be lambda state). x is (N,C,H,W), w (O,C,KH,KW), b (O) or empty, y and dy (N,O,OH,OW).
/// </remarks>
internal interface IConv2dAlgorithm
{
    /// <summary>y[n,o,oy,ox] = b[o] + Σ_{c,i,j} w[o,c,i,j] · x[n, c, oy·s+i−p, ox·s+j−p] (y overwritten; b may be empty).</summary>
    void Forward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, Memory<float> y, Conv2dShape shape, int threads);

    /// <summary>
    /// Forward was y = b + Σ w · x, so dW[o,c,i,j] += Σ_{n,oy,ox} dy[n,o,oy,ox] · x[n, c, oy·s+i−p, ox·s+j−p],
    /// db[o] += Σ dy[:,o,:,:], and dx[n,c,·,·] = Σ_{o,i,j} w[o,c,i,j] · dy[n,o,·,·] scattered back through the same taps
    /// (dx overwritten). An empty <paramref name="weightGradient"/> skips dW and db, an empty
    /// <paramref name="biasGradient"/> db alone, and an empty <paramref name="inputGradient"/> dx.
    /// </summary>
    void Backward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> dy,
        Memory<float> weightGradient, Memory<float> biasGradient, Memory<float> inputGradient, Conv2dShape shape, int threads);
}

/// <summary>The algorithms <see cref="Conv2d"/> chooses among.</summary>
internal enum Conv2dAlgorithm
{
    /// <summary>im2col, then one GEMM per chunk of images (<see cref="Conv2dUnfoldGemm"/>): any shape.</summary>
    UnfoldGemm,

    /// <summary>Direct convolution along output rows (<see cref="Conv2dDirect"/>): stride 1, no padding, OW ≥ one vector (8 floats, or 4 at 128 bits).</summary>
    Direct,

    /// <summary>Winograd's F(2×2, 3×3) (<see cref="Conv2dWinograd"/>): 3×3 kernels, stride 1, padding ≤ 2.</summary>
    Winograd,
}

/// <summary>The pass an algorithm is chosen for: the choice differs between them (see <see cref="Conv2d.AlgorithmFor"/>).</summary>
internal enum Conv2dPass
{
    /// <summary><see cref="Conv2d.Forward"/> with training false: what the attacks differentiate and predict with.</summary>
    EvaluationForward,

    /// <summary><see cref="Conv2d.Forward"/> with training true.</summary>
    TrainingForward,

    /// <summary><see cref="Conv2d.Infer"/>: outputs only.</summary>
    Infer,

    /// <summary><see cref="Conv2d.Backward"/>.</summary>
    Backward,
}

/// <summary>The sizes of one call of a convolution: x (N,C,H,W), w (O,C,KH,KW), stride s and zero padding p.</summary>
/// <param name="Images">N.</param>
/// <param name="Channels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
/// <param name="OutChannels">O.</param>
/// <param name="KernelHeight">KH.</param>
/// <param name="KernelWidth">KW.</param>
/// <param name="Stride">s (both axes).</param>
/// <param name="Padding">p (both axes).</param>
internal readonly record struct Conv2dShape(
    int Images, int Channels, int Height, int Width, int OutChannels, int KernelHeight, int KernelWidth, int Stride, int Padding)
{
    /// <summary>OH = (H + 2p − KH) / s + 1.</summary>
    public int OutputHeight => Im2Col.OutputSize(Height, KernelHeight, Stride, Padding);

    /// <summary>OW = (W + 2p − KW) / s + 1.</summary>
    public int OutputWidth => Im2Col.OutputSize(Width, KernelWidth, Stride, Padding);

    /// <summary>P = OH·OW, the pixels of one output plane.</summary>
    public int OutputPixels => OutputHeight * OutputWidth;

    /// <summary>C·KH·KW, the taps of one output (a row of cols).</summary>
    public int Window => Channels * KernelHeight * KernelWidth;

    /// <summary>C·H·W, the floats of one input image.</summary>
    public int InputImage => Channels * Height * Width;

    /// <summary>O·P, the floats of one output image.</summary>
    public int OutputImage => OutChannels * OutputPixels;

    /// <summary>The same sizes for the direct kernels, which take stride 1 and no padding.</summary>
    public ConvShape Direct => new(Images, Channels, Height, Width, OutChannels, KernelHeight, KernelWidth);
}
