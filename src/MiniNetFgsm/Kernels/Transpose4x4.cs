using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// In-register transpose of a 4×4 float block with 128-bit vectors (SSE on x64, NEON on Arm64): the GEMM packing's
/// transpose where <see cref="Transpose8x8"/>'s AVX is missing. Four row loads, eight zips, four stores, instead of
/// 16 scalar loads and stores with a stride.
/// </summary>
/// <remarks>
/// Two rounds of <see cref="Vector128Ops.Zip"/> (unpcklps/unpckhps on x64, zip1/zip2 on Arm64): rows 0 and 2, and rows
/// 1 and 3, interleave into <c>[a₀ c₀ a₁ c₁]</c>, <c>[b₀ d₀ b₁ d₁]</c>, …; interleaving those pairs again gives the
/// columns <c>[a₀ b₀ c₀ d₀]</c>, <c>[a₁ b₁ c₁ d₁]</c>, ….
/// </remarks>
internal static unsafe class Transpose4x4
{
    /// <summary>Whether 128-bit vectors are accelerated (callers fall back to scalar loops otherwise).</summary>
    public static bool IsSupported => Vector128.IsHardwareAccelerated;

    /// <summary>dst[q·dstStride + r] = src[r·srcStride + q] for r, q &lt; 4; rows r ≥ <paramref name="rows"/> read as 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(float* src, long srcStride, float* dst, long dstStride, int rows = 4)
    {
        Debug.Assert(rows is >= 1 and <= 4);
        Vector128<float> r0 = Vector128.Load(src);
        Vector128<float> r1 = rows > 1 ? Vector128.Load(src + srcStride) : default;
        Vector128<float> r2 = rows > 2 ? Vector128.Load(src + 2 * srcStride) : default;
        Vector128<float> r3 = rows > 3 ? Vector128.Load(src + 3 * srcStride) : default;
        (Vector128<float> ac01, Vector128<float> ac23) = Vector128Ops.Zip(r0, r2);
        (Vector128<float> bd01, Vector128<float> bd23) = Vector128Ops.Zip(r1, r3);
        (Vector128<float> column0, Vector128<float> column1) = Vector128Ops.Zip(ac01, bd01);
        (Vector128<float> column2, Vector128<float> column3) = Vector128Ops.Zip(ac23, bd23);
        Vector128.Store(column0, dst);
        Vector128.Store(column1, dst + dstStride);
        Vector128.Store(column2, dst + 2 * dstStride);
        Vector128.Store(column3, dst + 3 * dstStride);
    }
}
