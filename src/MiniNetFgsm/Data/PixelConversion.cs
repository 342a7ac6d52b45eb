using System.Numerics.Tensors;

namespace MiniNetFgsm.Data;

/// <summary>
/// Byte pixels to floats in [0, 1]: <c>y[i] = x[i] / 255f</c>, exactly (a division, not a multiplication by
/// 1/255, so 255 maps to exactly 1 and every value equals the scalar <c>b / 255f</c>).
/// </summary>
internal static class PixelConversion
{
    /// <summary>The divisor: the largest unsigned byte.</summary>
    public const float MaxPixel = 255f;

    /// <summary>
    /// Converts <paramref name="source"/> into the first <c>source.Length</c> elements of
    /// <paramref name="destination"/>. Uses TensorPrimitives: a byte-to-float conversion (exact, every byte
    /// is representable) followed by an in-place division (IEEE division is correctly rounded, in SIMD too).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToUnitFloat(ReadOnlySpan<byte> source, Span<float> destination)
    {
        Span<float> target = destination[..source.Length];
        TensorPrimitives.ConvertTruncating(source, target);
        TensorPrimitives.Divide(target, MaxPixel, target);
    }

    /// <summary>The scalar reference for <see cref="ToUnitFloat"/>.</summary>
    public static void ToUnitFloatReference(ReadOnlySpan<byte> source, Span<float> destination)
    {
        Span<float> target = destination[..source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            target[i] = source[i] / MaxPixel;
        }
    }
}
