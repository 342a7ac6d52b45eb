using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// In-register transpose of an 8×8 float block with AVX, used by GEMM packing when an operand has to be read
/// across its rows (op(B) = Bᵀ, or A packed MR rows at a time). Eight row loads, 24 shuffles, eight stores,
/// instead of 64 scalar loads and stores.
/// </summary>
internal static unsafe class Transpose8x8
{
    /// <summary>Whether the AVX path is available (callers fall back to scalar loops otherwise).</summary>
    public static bool IsSupported => Avx.IsSupported;

    /// <summary>dst[q·dstStride + r] = src[r·srcStride + q] for r, q &lt; 8; rows r ≥ <paramref name="rows"/> read as 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(float* src, long srcStride, float* dst, long dstStride, int rows = 8)
    {
        Vector256<float> r0 = Avx.LoadVector256(src);
        Vector256<float> r1 = rows > 1 ? Avx.LoadVector256(src + srcStride) : default;
        Vector256<float> r2 = rows > 2 ? Avx.LoadVector256(src + 2 * srcStride) : default;
        Vector256<float> r3 = rows > 3 ? Avx.LoadVector256(src + 3 * srcStride) : default;
        Vector256<float> r4 = rows > 4 ? Avx.LoadVector256(src + 4 * srcStride) : default;
        Vector256<float> r5 = rows > 5 ? Avx.LoadVector256(src + 5 * srcStride) : default;
        Vector256<float> r6 = rows > 6 ? Avx.LoadVector256(src + 6 * srcStride) : default;
        Vector256<float> r7 = rows > 7 ? Avx.LoadVector256(src + 7 * srcStride) : default;

        // Interleave pairs of rows, then pairs of pairs (within 128-bit lanes), then swap lane halves.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }
}
