using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// Direct convolution (stride 1, no padding) for small windows, vectorised along output rows: the first layer of a CNN
/// on MNIST (1 channel, 3×3 or 5×5) has so few taps that im2col + GEMM spends its time unrolling and packing.
/// </summary>
/// <remarks>
/// <para>Shapes: x (N,C,H,W), w (O,C,KH,KW), y and dy (N,O,OH,OW) with OH = H − KH + 1, OW = W − KW + 1; a tap is one
/// (c, i, j). One file per pass, each kernel beside its scalar reference: the forward pass
/// (<c>DirectConv2d.Forward.cs</c>), the weight gradient (<c>DirectConv2d.WeightGradient.cs</c>) and the input
/// gradient (<c>DirectConv2d.InputGradient.cs</c>). The kernels hold no state: scratch is the caller's.</para>
/// <para>The kernels are written once for any vector type (<see cref="IVectorOps{TVec}"/>) and run with 256-bit
/// vectors at 256 bits and above, 128-bit ones at 128 (SSE, Arm64's NEON). Each output row is covered by L-wide vectors
/// (L = 8 or 4) at ox0 = 0, L, 2L, … and a last one at OW − L that overlaps the one before it (so OW ≥ L is required). The forward pass stores whole recomputed vectors there, which are
/// bit-identical to what is already stored (so does the input gradient, which runs through the forward kernel); the
/// weight gradient masks off the overlapping lanes so nothing is counted twice. Every output element is one thread's,
/// summed in a fixed order, so the results do not depend on the thread count.</para>
/// </remarks>
public static partial class DirectConv2d
{
    /// <summary>Most taps (C·KH·KW) worth a direct convolution in both directions; above it, im2col + GEMM wins.</summary>
    public const int MaxTaps = 32;

    /// <summary>Output rows at most this wide run forward directly whatever the number of taps.</summary>
    public const int NarrowOutput = 16;

    /// <summary>Lanes of the 256-bit vectors the 256- and 512-bit paths use (<see cref="Forward4x4"/> is 256-bit only).</summary>
    private const int Lanes = 8;

    /// <summary>
    /// True when the direct kernels can run this convolution at the current SIMD width: stride 1, no padding, 128-bit
    /// vectors or wider enabled and accelerated, and output rows at least one vector wide (8 floats at 256 bits and
    /// above, 4 at 128).
    /// </summary>
    public static bool Supports(int stride, int padding, int outputWidth)
        => stride == 1 && padding == 0 && Simd.Width >= SimdWidth.V128 && outputWidth >= VectorOps.Lanes(Simd.Width);

    /// <summary>
    /// True when the direct forward pass is the faster one here (and <see cref="Supports"/> holds): few taps (a first
    /// layer), or narrow output rows, where im2col + GEMM spends its time unrolling. With many taps and wide rows
    /// (mnist-cnn conv2) the GEMM wins; see bench/README.md for the measurements.
    /// </summary>
    public static bool IsFasterForward(int channels, int kernelHeight, int kernelWidth, int stride, int padding, int outputWidth)
        => Supports(stride, padding, outputWidth) && (channels * kernelHeight * kernelWidth <= MaxTaps || outputWidth <= NarrowOutput);

    /// <summary>
    /// True when the direct backward passes are the faster ones (and <see cref="Supports"/> holds): few taps only. With
    /// many, re-reading dy once per tap loses to a GEMM, even on narrow rows where the direct forward pass wins (the
    /// input gradient's gather reads zero-padded dy planes wider than the output).
    /// </summary>
    public static bool IsFasterBackward(int channels, int kernelHeight, int kernelWidth, int stride, int padding, int outputWidth)
        => Supports(stride, padding, outputWidth) && channels * kernelHeight * kernelWidth <= MaxTaps;

    /// <summary>A count fixed at compile time, so the JIT drops the code of the other blockings: output channels per
    /// pass of <see cref="BackwardWeights{TVec, TOps, TGroup}"/>, or output rows per pass of <see cref="Forward1{TVec, TOps, TRows}"/>.</summary>
    private interface IBlockCount
    {
        static abstract int Count { get; }
    }

    private readonly struct FourRows : IBlockCount
    {
        public static int Count => 4;
    }

    private readonly struct EightRows : IBlockCount
    {
        public static int Count => 8;
    }

    private readonly struct TwoChannels : IBlockCount
    {
        public static int Count => 2;
    }

    private readonly struct FourChannels : IBlockCount
    {
        public static int Count => 4;
    }
}
