using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// 6×8 micro-kernel with 128-bit vectors (SSE on x64, AdvSimd on Arm64): 12 xmm accumulators, 2 loads of B and 6 values
/// of A in every lane per k step (broadcast from a packed or strided panel, or loaded whole from a
/// <see cref="BroadcastPanelA"/>), i.e. 12 multiply-adds for 8 memory operations. The tile uses 15 of the 16 SSE
/// registers (Arm64 has 32), and 12 independent accumulators cover the 4-cycle FMA latency. Without FMA (SSE-only x64)
/// each multiply-add is a multiply and an add.
/// </summary>
internal readonly struct GemmMicroKernel128 : IGemmMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 8;

    /// <summary>256 k steps: the KC×8 B panel (8 KiB) stays in L1 beside the A panel.</summary>
    public static int Kc => 256;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run<TA>(int kc, float* a, nint lda, float* next, float* b, float* c, int ldc, bool accumulate)
        where TA : IGemmPanelA
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> ai = RowValue<TA>(a, 0, lda);
            c00 = Vector128.MultiplyAddEstimate(ai, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(ai, b1, c01);
            ai = RowValue<TA>(a, 1, lda);
            c10 = Vector128.MultiplyAddEstimate(ai, b0, c10);
            c11 = Vector128.MultiplyAddEstimate(ai, b1, c11);
            ai = RowValue<TA>(a, 2, lda);
            c20 = Vector128.MultiplyAddEstimate(ai, b0, c20);
            c21 = Vector128.MultiplyAddEstimate(ai, b1, c21);
            ai = RowValue<TA>(a, 3, lda);
            c30 = Vector128.MultiplyAddEstimate(ai, b0, c30);
            c31 = Vector128.MultiplyAddEstimate(ai, b1, c31);
            ai = RowValue<TA>(a, 4, lda);
            c40 = Vector128.MultiplyAddEstimate(ai, b0, c40);
            c41 = Vector128.MultiplyAddEstimate(ai, b1, c41);
            ai = RowValue<TA>(a, 5, lda);
            c50 = Vector128.MultiplyAddEstimate(ai, b0, c50);
            c51 = Vector128.MultiplyAddEstimate(ai, b1, c51);
            TA.Prefetch(p, next, lda, 6);
            a += TA.Step(6);
            b += 8;
        }

        StoreRow(c, c00, c01, accumulate);
        StoreRow(c + ldc, c10, c11, accumulate);
        StoreRow(c + 2 * ldc, c20, c21, accumulate);
        StoreRow(c + 3 * ldc, c30, c31, accumulate);
        StoreRow(c + 4 * ldc, c40, c41, accumulate);
        StoreRow(c + 5 * ldc, c50, c51, accumulate);
    }

    /// <summary>Row i's value at this k step in every lane: loaded whole from a <see cref="BroadcastPanelA"/>, broadcast
    /// from one float otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> RowValue<TA>(float* a, int i, nint lda)
        where TA : IGemmPanelA
        => TA.Copies == 4 ? Vector128.Load(a + TA.Row(i, lda)) : Vector128.Create(a[TA.Row(i, lda)]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* row, Vector128<float> v0, Vector128<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector128.Load(row);
            v1 += Vector128.Load(row + 4);
        }

        v0.Store(row);
        v1.Store(row + 4);
    }
}

