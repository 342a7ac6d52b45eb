using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// In-register transpose of a 4×4 float block with 128-bit vectors (SSE on x64, NEON on Arm64): the GEMM packing's
/// transpose where <see cref="Transpose8x8"/>'s AVX is missing. Four row loads, eight shuffles, four stores, instead of
/// 16 scalar loads and stores with a stride.
/// </summary>
/// <remarks>
/// Interleave rows 0 and 1 and rows 2 and 3 (<c>[a₀ b₀ a₁ b₁]</c>, <c>[a₂ b₂ a₃ b₃]</c>, <c>[c₀ d₀ c₁ d₁]</c>, …), then
/// join their 64-bit halves: <c>[a₀ b₀ c₀ d₀]</c> is the low halves of the first pair, and so on. The portable
/// <see cref="Vector128"/> API has no two-source shuffle, so each instruction set has its own lines (unpcklps and
/// movlhps on x64, zip1/zip2 on Arm64).
/// </remarks>
internal static unsafe class Transpose4x4
{
    /// <summary>Whether a vector path is available (callers fall back to scalar loops otherwise).</summary>
    public static bool IsSupported => Sse.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>dst[q·dstStride + r] = src[r·srcStride + q] for r, q &lt; 4; rows r ≥ <paramref name="rows"/> read as 0.</summary>
    /// <exception cref="PlatformNotSupportedException">Neither SSE nor Arm64's AdvSimd is available (check <see cref="IsSupported"/>).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(float* src, long srcStride, float* dst, long dstStride, int rows = 4)
    {
        Debug.Assert(rows is >= 1 and <= 4);
        Vector128<float> r0 = Vector128.Load(src);
        Vector128<float> r1 = rows > 1 ? Vector128.Load(src + srcStride) : default;
        Vector128<float> r2 = rows > 2 ? Vector128.Load(src + 2 * srcStride) : default;
        Vector128<float> r3 = rows > 3 ? Vector128.Load(src + 3 * srcStride) : default;
        if (Sse.IsSupported)
        {
            Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1);
            Vector128<float> t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
            Vector128.Store(Sse.MoveLowToHigh(t0, t2), dst);                    // [t0.lo, t2.lo]
            Vector128.Store(Sse.MoveHighToLow(t2, t0), dst + dstStride);        // [t0.hi, t2.hi]
            Vector128.Store(Sse.MoveLowToHigh(t1, t3), dst + 2 * dstStride);
            Vector128.Store(Sse.MoveHighToLow(t3, t1), dst + 3 * dstStride);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            Vector128<double> t0 = AdvSimd.Arm64.ZipLow(r0, r1).AsDouble(), t1 = AdvSimd.Arm64.ZipHigh(r0, r1).AsDouble();
            Vector128<double> t2 = AdvSimd.Arm64.ZipLow(r2, r3).AsDouble(), t3 = AdvSimd.Arm64.ZipHigh(r2, r3).AsDouble();
            Vector128.Store(AdvSimd.Arm64.ZipLow(t0, t2).AsSingle(), dst);
            Vector128.Store(AdvSimd.Arm64.ZipHigh(t0, t2).AsSingle(), dst + dstStride);
            Vector128.Store(AdvSimd.Arm64.ZipLow(t1, t3).AsSingle(), dst + 2 * dstStride);
            Vector128.Store(AdvSimd.Arm64.ZipHigh(t1, t3).AsSingle(), dst + 3 * dstStride);
        }
        else
        {
            ThrowNotSupported();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotSupported()
        => throw new PlatformNotSupportedException("Transpose4x4 needs SSE or Arm64's AdvSimd; callers check IsSupported.");
}
