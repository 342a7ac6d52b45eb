using System.Runtime.Intrinsics.X86;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// General matrix multiply, the workhorse under convolution and dense layers:
/// <c>C = op(A) · op(B)</c>, or <c>C += op(A) · op(B)</c> when <c>accumulate</c> is true,
/// where <c>op(X)</c> is <c>X</c> or its transpose. All matrices are row-major.
/// </summary>
/// <remarks>
/// <para>Shapes: <c>op(A)</c> is (M,K), <c>op(B)</c> is (K,N), <c>C</c> is (M,N).
/// When <c>transposeA</c> is false A is stored (M,K) with row stride <c>lda</c>; when true it is stored
/// (K,M). Likewise B is stored (K,N), or (N,K) when <c>transposeB</c> is true. Transposes are never
/// materialised: the packing step reads the operand in whichever order it is stored.</para>
/// <para>The fast path is BLIS-style: B is packed into panels NR columns wide, A into panels MR rows
/// tall, and a register-blocked micro-kernel (one per vector width, see <see cref="Simd"/>; with AVX-512 an 8×48 or an
/// 8×32 one, by <see cref="PrefersWideTile"/>) keeps an MR×NR tile of C in registers. <see cref="Reference"/> is the plain triple loop beside it.</para>
/// <para>Each element of C is summed in the same order whatever the thread count, so results are
/// bit-identical for any <c>threads</c>.</para>
/// </remarks>
public static class Gemm
{
    /// <summary>Computes <c>C (+)= op(A) · op(B)</c> with the widest SIMD micro-kernel available.</summary>
    /// <param name="transposeA">Whether A is stored (K,M) rather than (M,K).</param>
    /// <param name="transposeB">Whether B is stored (N,K) rather than (K,N).</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">The shared (summed) dimension.</param>
    /// <param name="a">Storage of A.</param>
    /// <param name="lda">Row stride of A as stored.</param>
    /// <param name="b">Storage of B.</param>
    /// <param name="ldb">Row stride of B as stored.</param>
    /// <param name="c">Storage of C, (M,N).</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    /// <param name="threads">Worker threads to use (1 = the calling thread only).</param>
    public static void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool accumulate = false, int threads = 1)
        => Multiply(Simd.Width, transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads);

    /// <summary>As <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool, int)"/>,
    /// with the vector width chosen by the caller (tests and benchmarks use this to run every variant); a width the CPU
    /// does not accelerate falls back to the widest one it does.</summary>
    public static unsafe void Multiply(
        SimdWidth width, bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool accumulate = false, int threads = 1)
    {
        Validate(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                ClearRows(m, n, c, ldc);
            }

            return;
        }

        threads = Math.Max(1, threads);
        width = Simd.Clamp(width);
        fixed (float* pa = a, pb = b, pc = c)
        {
            switch (width)
            {
                case SimdWidth.V512 when System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && PrefersWideTile(n):
                    GemmDriver<GemmMicroKernel512x48>.Run(transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, threads);
                    break;
                case SimdWidth.V512 when System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated:
                    GemmDriver<GemmMicroKernel512>.Run(transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, threads);
                    break;
                case SimdWidth.V256 when System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated:
                    GemmDriver<GemmMicroKernel256>.Run(transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, threads);
                    break;
                case SimdWidth.V128 when System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated && PrefersBroadcastPanels:
                    GemmDriver<GemmMicroKernel128Broadcast>.Run(transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, threads);
                    break;
                case SimdWidth.V128 when System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated:
                    GemmDriver<GemmMicroKernel128>.Run(transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, threads);
                    break;
                default:
                    GemmDriver<GemmMicroKernelScalar>.Run(transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, threads);
                    break;
            }
        }
    }

    /// <summary>
    /// Whether the 8×48 AVX-512 tile beats the 8×32 one for N columns. It does 24 FMAs per 11 memory operations against
    /// 16 per 10, and is faster on the conv2 products (bench/README.md), so it is taken unless padding N up to a multiple of
    /// 48 costs more than 5% over padding it to a multiple of 32, about the low end of that gain (N = 128 pads to 144: the
    /// 8×32 tile; N = 288, 576, 4,096 or 36,864: the 8×48 tile).
    /// </summary>
    internal static bool PrefersWideTile(int n) => (n + 47) / 48 * 48 * 20L <= (n + 31) / 32 * 32 * 21L;

    /// <summary>
    /// Whether the 128-bit width runs <see cref="GemmMicroKernel128Broadcast"/>: on x64 without AVX, where broadcasting
    /// a float from memory takes a load and a shuffle, and the shuffles compete with the adds for a port. With AVX the
    /// broadcast is a plain load, as Arm64's ld1r is, and A panels of single values (or A read in place) are as fast.
    /// </summary>
    internal static bool PrefersBroadcastPanels => Sse.IsSupported && !Avx.IsSupported;

    /// <summary>
    /// The scalar reference: for every (i, j), <c>sum = Σ_p op(A)[i,p] · op(B)[p,j]</c> in order p = 0..K-1,
    /// then <c>C[i,j] = sum</c> (or <c>+= sum</c>). Slow and obviously right; tests compare every SIMD variant with it.
    /// </summary>
    public static void Reference(
        bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool accumulate = false)
    {
        Validate(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float aip = transposeA ? a[p * lda + i] : a[i * lda + p];
                    float bpj = transposeB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += aip * bpj;
                }

                c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum;
            }
        }
    }

    private static void ClearRows(int m, int n, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            c.Slice(i * ldc, n).Clear();
        }
    }

    private static void Validate(
        bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, ReadOnlySpan<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckOperand("A", a, transposeA ? k : m, transposeA ? m : k, lda);
        CheckOperand("B", b, transposeB ? n : k, transposeB ? k : n, ldb);
        CheckOperand("C", c, m, n, ldc);
    }

    private static void CheckOperand(string name, ReadOnlySpan<float> storage, int rows, int cols, int stride)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        if (stride < cols)
        {
            throw new ArgumentException($"Row stride of {name} ({stride}) is smaller than its {cols} columns.");
        }

        long needed = (long)(rows - 1) * stride + cols;
        if (storage.Length < needed)
        {
            throw new ArgumentException($"{name} holds {storage.Length} floats but a {rows}x{cols} matrix with row stride {stride} needs {needed}.");
        }
    }
}
