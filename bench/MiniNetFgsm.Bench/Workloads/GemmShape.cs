using MiniNetFgsm.Bench.Infrastructure;

namespace MiniNetFgsm.Bench.Workloads;

/// <summary>
/// One matrix product <c>C (M,N) = op(A) (M,K) · op(B) (K,N)</c> as the library issues it, with row-major
/// storage and the transposes flagged exactly as the calling layer passes them.
/// </summary>
/// <param name="Name">Where the product comes from, e.g. <c>cnn.conv2.fwd</c>.</param>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">The summed dimension.</param>
/// <param name="TransposeA">A is stored (K,M).</param>
/// <param name="TransposeB">B is stored (N,K).</param>
public sealed record GemmShape(string Name, int M, int N, int K, bool TransposeA = false, bool TransposeB = false) : IWorkload
{
    /// <summary>2·M·N·K: one multiply and one add per term.</summary>
    public long Flops => 2L * M * N * K;

    /// <summary>Row stride of A as stored.</summary>
    public int Lda => TransposeA ? M : K;

    /// <summary>Row stride of B as stored.</summary>
    public int Ldb => TransposeB ? K : N;

    /// <summary>Floats in A.</summary>
    public int LengthA => M * K;

    /// <summary>Floats in B.</summary>
    public int LengthB => K * N;

    /// <summary>The real products of both models at batch 64 (P = output pixels per image), plus a square reference.</summary>
    public static IEnumerable<GemmShape> All { get; } =
    [
        // mnist-cnn conv2 forward: out (O=64, N·P=64·24·24) = W (64, C·KH·KW=32·3·3) · cols (288, 36864).
        new("cnn.conv2.fwd", 64, 36864, 288),

        // The same product with pixels as rows, as the performance issue states it (36864×288 · 288×64): what an
        // im2col that writes one row per output pixel would issue. Conv2d does not, but the GEMM handles both.
        new("cnn.conv2.fwd.pixel-rows", 36864, 64, 288),

        // mnist-cnn conv2 weight gradient: dW (64, 288) += dout (64, 36864) · colsᵀ; K is huge, M·N small (split-K).
        new("cnn.conv2.dW", 64, 288, 36864, TransposeB: true),

        // mnist-cnn conv2 input gradient: dcols (288, 36864) = Wᵀ (288, 64) · dout (64, 36864).
        new("cnn.conv2.dX", 288, 36864, 64, TransposeA: true),

        // mnist-cnn fc1 forward: y (N=64, 128) = x (64, 9216) · Wᵀ, W stored (128, 9216).
        new("cnn.fc1.fwd", 64, 128, 9216, TransposeB: true),

        // lenet conv2 forward: out (O=20, N·P=64·8·8) = W (20, 10·5·5) · cols (250, 4096).
        new("lenet.conv2.fwd", 20, 4096, 250),

        new("square.512", 512, 512, 512),
    ];

    /// <summary>The name and M×N×K, with "At" / "Bt" marking a transposed operand; shown in the summary's parameter column.</summary>
    public override string ToString() => $"{Name} {M}x{N}x{K}{(TransposeA ? " At" : "")}{(TransposeB ? " Bt" : "")}";
}
