using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// 8×32 micro-kernel with 512-bit vectors (AVX-512): 16 zmm accumulators, 2 loads of B and 8 broadcasts of A per k
/// step, i.e. 16 FMAs for 10 memory operations (a 6×32 tile does 12 for 8). AVX-512 has 32 vector registers, so the
/// 16 accumulators, 2 B vectors and a broadcast fit with room to spare; two FMA pipes retiring one 16-wide FMA per
/// cycle each need 8 independent chains to hide a 4-cycle latency, and 16 give slack. Eight rows also divide the
/// row counts of both MNIST models' convolutions (32, 64, 288) and a replica's batch slice of 32, so no tile is padded.
/// </summary>
internal readonly struct GemmMicroKernel512 : IGemmMicroKernel
{
    public static int Mr => 8;

    public static int Nr => 32;

    /// <summary>256 k steps: the KC×32 B panel (32 KiB) and the 8×KC A panel (8 KiB) share a 48 KiB L1.</summary>
    public static int Kc => 256;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run<TA>(int kc, float* a, nint lda, float* next, float* b, float* c, int ldc, bool accumulate)
        where TA : IGemmPanelA
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> ai = Vector512.Create(a[TA.Row(0, lda)]);
            c00 = Vector512.MultiplyAddEstimate(ai, b0, c00);
            c01 = Vector512.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector512.Create(a[TA.Row(1, lda)]);
            c10 = Vector512.MultiplyAddEstimate(ai, b0, c10);
            c11 = Vector512.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector512.Create(a[TA.Row(2, lda)]);
            c20 = Vector512.MultiplyAddEstimate(ai, b0, c20);
            c21 = Vector512.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector512.Create(a[TA.Row(3, lda)]);
            c30 = Vector512.MultiplyAddEstimate(ai, b0, c30);
            c31 = Vector512.MultiplyAddEstimate(ai, b1, c31);
            ai = Vector512.Create(a[TA.Row(4, lda)]);
            c40 = Vector512.MultiplyAddEstimate(ai, b0, c40);
            c41 = Vector512.MultiplyAddEstimate(ai, b1, c41);
            ai = Vector512.Create(a[TA.Row(5, lda)]);
            c50 = Vector512.MultiplyAddEstimate(ai, b0, c50);
            c51 = Vector512.MultiplyAddEstimate(ai, b1, c51);
            ai = Vector512.Create(a[TA.Row(6, lda)]);
            c60 = Vector512.MultiplyAddEstimate(ai, b0, c60);
            c61 = Vector512.MultiplyAddEstimate(ai, b1, c61);
            ai = Vector512.Create(a[TA.Row(7, lda)]);
            c70 = Vector512.MultiplyAddEstimate(ai, b0, c70);
            c71 = Vector512.MultiplyAddEstimate(ai, b1, c71);
            TA.Prefetch(p, next, lda, 8);
            a += TA.Step(8);
            b += 32;
        }

        StoreRow(c, c00, c01, accumulate);
        StoreRow(c + ldc, c10, c11, accumulate);
        StoreRow(c + 2 * ldc, c20, c21, accumulate);
        StoreRow(c + 3 * ldc, c30, c31, accumulate);
        StoreRow(c + 4 * ldc, c40, c41, accumulate);
        StoreRow(c + 5 * ldc, c50, c51, accumulate);
        StoreRow(c + 6 * ldc, c60, c61, accumulate);
        StoreRow(c + 7 * ldc, c70, c71, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* row, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + 16);
        }

        v0.Store(row);
        v1.Store(row + 16);
    }
}
