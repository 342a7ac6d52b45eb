using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests;

/// <summary>
/// Theory rows for every SIMD width, whether or not this CPU accelerates it. A width the CPU (or a DOTNET_Enable*=0
/// setting) does not accelerate is reported Skipped, visibly, instead of leaving the row out or letting the kernel
/// fall back and compare the scalar path with itself.
/// </summary>
public static class SimdWidths
{
    /// <summary>Scalar, 128, 256 and 512 bits; those this CPU does not accelerate are skipped.</summary>
    public static IEnumerable<TheoryDataRow<SimdWidth>> All() => Rows(Enum.GetValues<SimdWidth>());

    /// <summary>128, 256 and 512 bits (no scalar); those this CPU does not accelerate are skipped.</summary>
    public static IEnumerable<TheoryDataRow<SimdWidth>> Vectors() => Rows(Enum.GetValues<SimdWidth>().Where(w => w != SimdWidth.Scalar));

    /// <summary>Skips the running test unless <paramref name="width"/> is accelerated here.</summary>
    public static void SkipUnlessAccelerated(SimdWidth width) => Assert.SkipUnless(Simd.Supported.Contains(width), Reason(width));

    private static IEnumerable<TheoryDataRow<SimdWidth>> Rows(IEnumerable<SimdWidth> widths) =>
        widths.Order().Select(width => new TheoryDataRow<SimdWidth>(width) { Skip = Simd.Supported.Contains(width) ? null : Reason(width) });

    private static string Reason(SimdWidth width) => $"{width} is not accelerated on this CPU (widest: {Simd.Supported[^1]})";
}
