using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// 6×16 micro-kernel with 256-bit vectors (AVX2 on x64): 12 ymm accumulators, 2 loads of B and 6 broadcasts of A
/// per k step, i.e. 12 FMAs for 8 memory operations. Two FMA ports each retire one 8-wide FMA per cycle,
/// and 12 independent accumulators cover the 4-cycle FMA latency.
/// </summary>
internal readonly struct GemmMicroKernel256 : IGemmMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 16;

    /// <summary>256 k steps: the KC×16 B panel (16 KiB) stays in L1 beside the A panel.</summary>
    public static int Kc => 256;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run<TA>(int kc, float* a, nint lda, float* next, float* b, float* c, int ldc, bool accumulate)
        where TA : IGemmPanelA
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> ai = Vector256.Create(a[TA.Row(0, lda)]);
            c00 = Vector256.MultiplyAddEstimate(ai, b0, c00);
            c01 = Vector256.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector256.Create(a[TA.Row(1, lda)]);
            c10 = Vector256.MultiplyAddEstimate(ai, b0, c10);
            c11 = Vector256.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector256.Create(a[TA.Row(2, lda)]);
            c20 = Vector256.MultiplyAddEstimate(ai, b0, c20);
            c21 = Vector256.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector256.Create(a[TA.Row(3, lda)]);
            c30 = Vector256.MultiplyAddEstimate(ai, b0, c30);
            c31 = Vector256.MultiplyAddEstimate(ai, b1, c31);
            ai = Vector256.Create(a[TA.Row(4, lda)]);
            c40 = Vector256.MultiplyAddEstimate(ai, b0, c40);
            c41 = Vector256.MultiplyAddEstimate(ai, b1, c41);
            ai = Vector256.Create(a[TA.Row(5, lda)]);
            c50 = Vector256.MultiplyAddEstimate(ai, b0, c50);
            c51 = Vector256.MultiplyAddEstimate(ai, b1, c51);
            TA.Prefetch(p, next, lda, 6);
            a += TA.Step(6);
            b += 16;
        }

        StoreRow(c, c00, c01, accumulate);
        StoreRow(c + ldc, c10, c11, accumulate);
        StoreRow(c + 2 * ldc, c20, c21, accumulate);
        StoreRow(c + 3 * ldc, c30, c31, accumulate);
        StoreRow(c + 4 * ldc, c40, c41, accumulate);
        StoreRow(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* row, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(row);
            v1 += Vector256.Load(row + 8);
        }

        v0.Store(row);
        v1.Store(row + 8);
    }
}
