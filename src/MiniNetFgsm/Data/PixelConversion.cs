using System.Numerics.Tensors;

namespace MiniNetFgsm.Data;

/// <summary>
/// The 8-bit pixel round trip. Bytes to floats in [0, 1]: <c>y[i] = x[i] / 255f</c>, exactly (a division, not a
/// multiplication by 1/255, so 255 maps to exactly 1 and every value equals the scalar <c>b / 255f</c>); and floats back
/// to bytes, rounded to nearest (<see cref="Quantize"/>), which gives every byte back.
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

    /// <summary>
    /// Float pixels in [0, 1] to bytes: <c>bytes[i] = (byte)MathF.Round(Math.Clamp(values[i], 0, 1) · 255)</c>.
    /// <see cref="MathF.Round(float)"/> rounds halves to even (0.5 → 127.5 → 128; 2.5/255 → 2.5 → 2). Values below 0
    /// (and −∞) give 0, above 1 (and +∞) give 255, and NaN gives 0.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> bytes)
    {
        if (bytes.Length != values.Length)
        {
            throw new ArgumentException($"Expected {values.Length} bytes for {values.Length} values, got {bytes.Length}.", nameof(bytes));
        }

        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            bytes[i] = float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * MaxPixel);
        }
    }
}
