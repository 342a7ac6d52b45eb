namespace MiniNetFgsm.Layers.Convolution;

/// <summary>The algorithms' scratch buffers: kept between calls, replaced only when a call needs more.</summary>
internal static class Conv2dScratch
{
    /// <summary>Makes <paramref name="buffer"/> hold at least <paramref name="length"/> floats (its contents are not kept
    /// when it grows).</summary>
    public static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
