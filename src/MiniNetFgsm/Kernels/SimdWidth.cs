using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The vector width a kernel runs with. <see cref="Scalar"/> is the plain reference code.</summary>
public enum SimdWidth
{
    /// <summary>No SIMD: the scalar reference code.</summary>
    Scalar = 0,

    /// <summary>128-bit vectors (SSE on x64, AdvSimd on Arm64): 4 floats.</summary>
    V128 = 128,

    /// <summary>256-bit vectors (AVX2): 8 floats.</summary>
    V256 = 256,

    /// <summary>512-bit vectors (AVX-512): 16 floats.</summary>
    V512 = 512,
}

/// <summary>
/// Chooses the widest vector width the CPU accelerates. The environment variable <c>MININET_SIMD</c>
/// (<c>512</c>, <c>256</c>, <c>128</c> or <c>scalar</c>) or the <see cref="Override"/> property can force a
/// narrower one, so tests and benchmarks exercise every variant on one machine.
/// </summary>
public static class Simd
{
    private static readonly SimdWidth Best = DetectBest();

    /// <summary>When set, kernels use this width (clamped to what the CPU accelerates) instead of the best one.</summary>
    public static SimdWidth? Override { get; set; } = ParseEnvironment();

    /// <summary>The width kernels use now.</summary>
    public static SimdWidth Width => Override is { } forced && forced <= Best ? forced : Best;

    /// <summary>The widest width the CPU accelerates that is not wider than <paramref name="requested"/>.</summary>
    public static SimdWidth Clamp(SimdWidth requested) => requested <= Best ? requested : Best;

    /// <summary>Every width this CPU accelerates, narrowest first, starting with <see cref="SimdWidth.Scalar"/>.</summary>
    public static IReadOnlyList<SimdWidth> Supported { get; } = Enum.GetValues<SimdWidth>().Where(w => w <= Best).Order().ToArray();

    private static SimdWidth DetectBest()
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return SimdWidth.V512;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return SimdWidth.V256;
        }

        return Vector128.IsHardwareAccelerated ? SimdWidth.V128 : SimdWidth.Scalar;
    }

    private static SimdWidth? ParseEnvironment() => Environment.GetEnvironmentVariable("MININET_SIMD")?.Trim().ToLowerInvariant() switch
    {
        "512" => SimdWidth.V512,
        "256" => SimdWidth.V256,
        "128" => SimdWidth.V128,
        "scalar" or "0" => SimdWidth.Scalar,
        _ => null,
    };
}
