using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// 8×48 micro-kernel with 512-bit vectors (AVX-512), for wide products: 24 zmm accumulators, 3 loads of B and 8
/// broadcasts of A per k step, i.e. 24 FMAs for 11 memory operations (the 8×32 tile does 16 for 10). The 24
/// accumulators, 3 B vectors and a broadcast use 28 of the 32 registers. <see cref="Gemm"/> picks it when N pads
/// to a multiple of 48 about as tightly as to a multiple of 32 (the conv shapes: 36,864 pixels, 288 taps), where
/// it beats 8×32; fc1's N = 128 would pad to 144, so fc1 keeps 8×32.
/// </summary>
internal readonly struct GemmMicroKernel512x48 : IGemmMicroKernel
{
    public static int Mr => 8;

    public static int Nr => 48;

    /// <summary>160 k steps: the KC×48 B panel (30 KiB) and the 8×KC A panel (5 KiB) share a 48 KiB L1.</summary>
    public static int Kc => 160;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run<TA>(int kc, float* a, nint lda, float* next, float* b, float* c, int ldc, bool accumulate)
        where TA : IGemmPanelA
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> ai = Vector512.Create(a[TA.Row(0, lda)]);
            c00 = Vector512.MultiplyAddEstimate(ai, b0, c00);
            c01 = Vector512.MultiplyAddEstimate(ai, b1, c01);
            c02 = Vector512.MultiplyAddEstimate(ai, b2, c02);
            ai = Vector512.Create(a[TA.Row(1, lda)]);
            c10 = Vector512.MultiplyAddEstimate(ai, b0, c10);
            c11 = Vector512.MultiplyAddEstimate(ai, b1, c11);
            c12 = Vector512.MultiplyAddEstimate(ai, b2, c12);
            ai = Vector512.Create(a[TA.Row(2, lda)]);
            c20 = Vector512.MultiplyAddEstimate(ai, b0, c20);
            c21 = Vector512.MultiplyAddEstimate(ai, b1, c21);
            c22 = Vector512.MultiplyAddEstimate(ai, b2, c22);
            ai = Vector512.Create(a[TA.Row(3, lda)]);
            c30 = Vector512.MultiplyAddEstimate(ai, b0, c30);
            c31 = Vector512.MultiplyAddEstimate(ai, b1, c31);
            c32 = Vector512.MultiplyAddEstimate(ai, b2, c32);
            ai = Vector512.Create(a[TA.Row(4, lda)]);
            c40 = Vector512.MultiplyAddEstimate(ai, b0, c40);
            c41 = Vector512.MultiplyAddEstimate(ai, b1, c41);
            c42 = Vector512.MultiplyAddEstimate(ai, b2, c42);
            ai = Vector512.Create(a[TA.Row(5, lda)]);
            c50 = Vector512.MultiplyAddEstimate(ai, b0, c50);
            c51 = Vector512.MultiplyAddEstimate(ai, b1, c51);
            c52 = Vector512.MultiplyAddEstimate(ai, b2, c52);
            ai = Vector512.Create(a[TA.Row(6, lda)]);
            c60 = Vector512.MultiplyAddEstimate(ai, b0, c60);
            c61 = Vector512.MultiplyAddEstimate(ai, b1, c61);
            c62 = Vector512.MultiplyAddEstimate(ai, b2, c62);
            ai = Vector512.Create(a[TA.Row(7, lda)]);
            c70 = Vector512.MultiplyAddEstimate(ai, b0, c70);
            c71 = Vector512.MultiplyAddEstimate(ai, b1, c71);
            c72 = Vector512.MultiplyAddEstimate(ai, b2, c72);
            TA.Prefetch(p, next, lda, 8);
            a += TA.Step(8);
            b += 48;
        }

        StoreRow(c, c00, c01, c02, accumulate);
        StoreRow(c + 1 * ldc, c10, c11, c12, accumulate);
        StoreRow(c + 2 * ldc, c20, c21, c22, accumulate);
        StoreRow(c + 3 * ldc, c30, c31, c32, accumulate);
        StoreRow(c + 4 * ldc, c40, c41, c42, accumulate);
        StoreRow(c + 5 * ldc, c50, c51, c52, accumulate);
        StoreRow(c + 6 * ldc, c60, c61, c62, accumulate);
        StoreRow(c + 7 * ldc, c70, c71, c72, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* row, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + 16);
            v2 += Vector512.Load(row + 32);
        }

        v0.Store(row);
        v1.Store(row + 16);
        v2.Store(row + 32);
    }
}
