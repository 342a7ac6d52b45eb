namespace MiniNetFgsm.Kernels;

/// <summary>The sizes of a stride-1, unpadded convolution.</summary>
/// <param name="Images">N.</param>
/// <param name="Channels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
/// <param name="OutChannels">O.</param>
/// <param name="KernelHeight">KH.</param>
/// <param name="KernelWidth">KW.</param>
public readonly record struct ConvShape(int Images, int Channels, int Height, int Width, int OutChannels, int KernelHeight, int KernelWidth)
{
    /// <summary>OH = H − KH + 1.</summary>
    public int OutputHeight => Height - KernelHeight + 1;

    /// <summary>OW = W − KW + 1.</summary>
    public int OutputWidth => Width - KernelWidth + 1;

    /// <summary>C·KH·KW.</summary>
    public int Taps => Channels * KernelHeight * KernelWidth;

    /// <summary>Throws when a buffer is shorter than these sizes need, or an output row narrower than one vector of
    /// the kernels at <paramref name="width"/> (the kernels' inner loops rely on both).</summary>
    public void CheckLengths(int x, int w, int y, int bias, SimdWidth width)
    {
        if (x < Images * Channels * Height * Width || w < OutChannels * Taps || y < Images * OutChannels * OutputHeight * OutputWidth
            || (bias != 0 && bias < OutChannels) || OutputWidth < VectorOps.Lanes(width))
        {
            throw new ArgumentException($"Buffers too small for the convolution {this}: x {x}, w {w}, y {y}, bias {bias}.");
        }
    }
}
