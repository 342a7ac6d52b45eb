using System.Globalization;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Reference;

/// <summary>
/// Compares a fast result with the reference's: |fast − ref| ≤ tolerance · (1 + max|ref|) element by element, the scale
/// taken over the whole buffer (a sum of many products carries rounding relative to its largest terms, not to itself).
/// </summary>
internal static class Oracle
{
    /// <summary>Null when <paramref name="actual"/> matches, else a message naming the worst element, both values and the bound.</summary>
    public static string? Compare(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance)
    {
        if (actual.Length != expected.Length)
        {
            return $"{what}: {actual.Length} values, expected {expected.Length}";
        }

        double scale = 0;
        foreach (float v in expected)
        {
            scale = Math.Max(scale, Math.Abs(v));
        }

        double bound = tolerance * (1 + scale), worst = -1;
        int at = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            double difference = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(difference) || difference > worst)
            {
                (worst, at) = (double.IsNaN(difference) ? double.PositiveInfinity : difference, i);
            }
        }

        return at < 0 || worst <= bound
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{what}: worst [{at}] fast {actual[at]:R} vs reference {expected[at]:R}, |diff| {worst:g3} > {bound:g3} = {tolerance:g2}·(1 + max|ref| {scale:g4})");
    }

    /// <summary>Runs <paramref name="body"/> once per SIMD width this CPU supports (scalar first), restoring the override after.</summary>
    public static void AtEverySimdWidth(Action<SimdWidth> body)
    {
        SimdWidth? saved = Simd.Override;
        try
        {
            foreach (SimdWidth width in Simd.Supported)
            {
                Simd.Override = width;
                body(width);
            }
        }
        finally
        {
            Simd.Override = saved;
        }
    }
}

/// <summary>
/// Tests that set <see cref="Simd.Override"/>, which is process-wide: they run one at a time and never beside another
/// test class (another class comparing the bits of two runs could see the width change between them).
/// </summary>
[CollectionDefinition("SimdOverride", DisableParallelization = true)]
public sealed class SimdOverrideCollection;
