using System.Diagnostics;

namespace MiniNetFgsm.Kernels;

public static partial class DirectConv2d
{
    /// <summary>
    /// dx[n,c,y,x] = Σ_{o,i,j} w[o,c,i,j] · dy[n,o,y−i,x−j] for the planes p = n·C + c in [firstPlane, lastPlane)
    /// (overwritten), with dy = 0 outside its OH×OW planes. <paramref name="flippedWeights"/> is w as
    /// <see cref="FlipWeights"/> leaves it; <paramref name="paddedGradient"/> is the caller's scratch of
    /// <see cref="PaddedGradientLength"/> floats whose border is zero (a new array, or one this method had for the same
    /// shape: it writes only the interior, so the border stays zero between calls and is never cleared again).
    /// </summary>
    /// <remarks>
    /// Computed as a gather, not a scatter: with dy zero-padded by KH−1 rows and KW−1 columns on every side (dyp) and the
    /// kernel flipped and transposed (wf[c,o,i,j] = w[o,c,KH−1−i,KW−1−j]), dx[n,c,y,x] = Σ_{o,i,j} wf[c,o,i,j] ·
    /// dyp[n,o,y+i,x+j]: a valid convolution of dyp with wf, which
    /// <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/>
    /// computes with its independent accumulators. (Scattering each dy element through every tap instead loads,
    /// updates and stores overlapping dx vectors, a dependency chain through memory.) Sums run over o, then the taps of
    /// the flipped kernel, that is the original taps (i, j) in descending order. Threads that share one call's planes
    /// need one <paramref name="paddedGradient"/> each.
    /// </remarks>
    public static void BackwardInput(ReadOnlySpan<float> flippedWeights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> paddedGradient, in ConvShape s, int firstPlane, int lastPlane)
        => BackwardInput(Simd.Width, flippedWeights, dy, dx, paddedGradient, s, firstPlane, lastPlane);

    /// <summary>As <see cref="BackwardInput(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in ConvShape, int, int)"/>
    /// with a chosen vector width (that of the forward kernel it gathers with).</summary>
    internal static void BackwardInput(SimdWidth width, ReadOnlySpan<float> flippedWeights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> paddedGradient, in ConvShape s, int firstPlane, int lastPlane)
    {
        s.CheckLengths(dx.Length, flippedWeights.Length, dy.Length, 0, width);
        int kh = s.KernelHeight, kw = s.KernelWidth, oh = s.OutputHeight, ow = s.OutputWidth;
        int ph = oh + 2 * (kh - 1), pw = ow + 2 * (kw - 1), planeOut = oh * ow, image = s.Channels * s.Height * s.Width;
        var gather = new ConvShape(1, s.OutChannels, ph, pw, s.Channels, kh, kw);
        if (paddedGradient.Length < PaddedGradientLength(s))
        {
            throw new ArgumentException($"The padded gradient holds {paddedGradient.Length} floats; {s} needs {PaddedGradientLength(s)}.", nameof(paddedGradient));
        }

        Span<float> padded = paddedGradient[..PaddedGradientLength(s)];
        Debug.Assert((kh == 1 && kw == 1) || (padded[0] == 0f && padded[^1] == 0f), "the padded gradient's border must be zero");
        for (int plane = firstPlane; plane < lastPlane;)
        {
            int img = plane / s.Channels, first = plane % s.Channels, last = Math.Min(s.Channels, first + (lastPlane - plane));
            for (int o = 0; o < s.OutChannels; o++)
            {
                for (int r = 0; r < oh; r++)
                {
                    dy.Slice((img * s.OutChannels + o) * planeOut + r * ow, ow).CopyTo(padded.Slice((o * ph + kh - 1 + r) * pw + kw - 1, ow));
                }
            }

            Forward(width, padded, flippedWeights, [], dx.Slice(img * image, image), gather, first, last);
            plane += last - first;
        }
    }

    /// <summary>Floats of <see cref="BackwardInput(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in ConvShape, int, int)"/>'s padded dy: O · (OH + 2·(KH − 1)) · (OW + 2·(KW − 1)).</summary>
    public static int PaddedGradientLength(in ConvShape s)
        => s.OutChannels * (s.OutputHeight + 2 * (s.KernelHeight - 1)) * (s.OutputWidth + 2 * (s.KernelWidth - 1));

    /// <summary>
    /// wf[c,o,i,j] = w[o,c,KH−1−i,KW−1−j]: the (O, C, KH, KW) weight flipped in both kernel axes with its channel roles
    /// swapped, into <paramref name="flipped"/> (C·O·KH·KW floats), the kernel <see cref="BackwardInput(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in ConvShape, int, int)"/> gathers with.
    /// </summary>
    public static void FlipWeights(ReadOnlySpan<float> w, in ConvShape s, Span<float> flipped)
    {
        int window = s.KernelHeight * s.KernelWidth;
        if (w.Length < s.OutChannels * s.Taps || flipped.Length < s.OutChannels * s.Taps)
        {
            throw new ArgumentException($"Weights of {w.Length} and {flipped.Length} floats are too small for {s}.");
        }

        for (int c = 0; c < s.Channels; c++)
        {
            for (int o = 0; o < s.OutChannels; o++)
            {
                for (int t = 0; t < window; t++)
                {
                    flipped[(c * s.OutChannels + o) * window + t] = w[(o * s.Channels + c) * window + window - 1 - t];
                }
            }
        }
    }

    /// <summary>Scalar reference of <see cref="BackwardInput(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in ConvShape, int, int)"/> (in double).</summary>
    public static void BackwardInputReference(ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, in ConvShape s)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth;
        var sum = new double[dx.Length];
        for (int img = 0; img < s.Images; img++)
        {
            for (int oc = 0; oc < s.OutChannels; oc++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double d = dy[((img * s.OutChannels + oc) * oh + oy) * ow + ox];
                        for (int c = 0; c < s.Channels; c++)
                        {
                            for (int i = 0; i < s.KernelHeight; i++)
                            {
                                for (int j = 0; j < s.KernelWidth; j++)
                                {
                                    sum[((img * s.Channels + c) * s.Height + oy + i) * s.Width + ox + j] += d * w[((oc * s.Channels + c) * s.KernelHeight + i) * s.KernelWidth + j];
                                }
                            }
                        }
                    }
                }
            }
        }

        for (int k = 0; k < dx.Length; k++)
        {
            dx[k] = (float)sum[k];
        }
    }
}
