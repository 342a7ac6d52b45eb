using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// Direct convolution (stride 1, no padding) for small windows, vectorised along output rows: the first layer of a CNN
/// on MNIST (1 channel, 3×3 or 5×5) has so few taps that im2col + GEMM spends its time unrolling and packing.
/// </summary>
/// <remarks>
/// Shapes: x (N,C,H,W), w (O,C,KH,KW), y and dy (N,O,OH,OW) with OH = H − KH + 1, OW = W − KW + 1; a tap is one (c, i, j).
/// Each output row is covered by 8-wide vectors at ox0 = 0, 8, 16, … and a last one at OW − 8 that overlaps the one
/// before it (so OW ≥ 8 is required). The forward pass stores whole recomputed vectors there, which are bit-identical to
/// what is already stored; the backward passes mask off the overlapping lanes so nothing is counted twice. Every output
/// element is one thread's, summed in a fixed order, so the results do not depend on the thread count.
/// </remarks>
public static class DirectConv2d
{
    /// <summary>Most taps (C·KH·KW) worth a direct convolution; above it, im2col + GEMM wins.</summary>
    public const int MaxTaps = 32;

    private const int Lanes = 8;

    /// <summary>True when the direct kernels handle this convolution at the current SIMD width.</summary>
    public static bool Supports(int channels, int kernelHeight, int kernelWidth, int stride, int padding, int outputWidth)
        => stride == 1 && padding == 0 && channels * kernelHeight * kernelWidth <= MaxTaps && outputWidth >= Lanes
           && Simd.Width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// y[n,o,oy,ox] = b[o] + Σ_{c,i,j} w[o,c,i,j] · x[n,c,oy+i,ox+j] for the planes p = n·O + o in [firstPlane, lastPlane).
    /// <paramref name="bias"/> may be empty (no bias).
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in ConvShape s, int firstPlane, int lastPlane)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps;
        for (int plane = firstPlane; plane < lastPlane; plane++)
        {
            int img = plane / s.OutChannels, oc = plane % s.OutChannels;
            ReadOnlySpan<float> weights = w.Slice(oc * taps, taps);
            ReadOnlySpan<float> image = x.Slice(img * s.Channels * s.Height * s.Width, s.Channels * s.Height * s.Width);
            Span<float> output = y.Slice(plane * oh * ow, oh * ow);
            float b = bias.IsEmpty ? 0f : bias[oc];
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox0 = 0; ox0 < ow; ox0 += Lanes)
                {
                    int start = Math.Min(ox0, ow - Lanes);
                    Vector256<float> acc = Vector256.Create(b);
                    int tap = 0;
                    for (int c = 0; c < s.Channels; c++)
                    {
                        for (int i = 0; i < s.KernelHeight; i++)
                        {
                            ReadOnlySpan<float> row = image.Slice((c * s.Height + oy + i) * s.Width + start);
                            for (int j = 0; j < s.KernelWidth; j++, tap++)
                            {
                                acc += Vector256.Create(weights[tap]) * Vector256.Create(row[j..]);
                            }
                        }
                    }

                    acc.CopyTo(output[(oy * ow + start)..]);
                }
            }
        }
    }

    /// <summary>
    /// dW[o,c,i,j] += Σ_{n,oy,ox} dy[n,o,oy,ox] · x[n,c,oy+i,ox+j] for output channels o in [firstChannel, lastChannel).
    /// Forward was y = Σ w · x, so each weight's gradient is the correlation of dy with the input it multiplied.
    /// </summary>
    public static void BackwardWeights(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, planeIn = s.Height * s.Width;
        for (int oc = firstChannel; oc < lastChannel; oc++)
        {
            int tap = 0;
            for (int c = 0; c < s.Channels; c++)
            {
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    for (int j = 0; j < s.KernelWidth; j++, tap++)
                    {
                        Vector256<float> acc = Vector256<float>.Zero;
                        for (int img = 0; img < s.Images; img++)
                        {
                            ReadOnlySpan<float> gradient = dy.Slice((img * s.OutChannels + oc) * oh * ow, oh * ow);
                            ReadOnlySpan<float> input = x.Slice((img * s.Channels + c) * planeIn, planeIn);
                            for (int oy = 0; oy < oh; oy++)
                            {
                                for (int ox0 = 0; ox0 < ow; ox0 += Lanes)
                                {
                                    int start = Math.Min(ox0, ow - Lanes);
                                    Vector256<float> d = Vector256.Create(gradient[(oy * ow + start)..]) & NewLanes(ox0 - start);
                                    acc += d * Vector256.Create(input[((oy + i) * s.Width + start + j)..]);
                                }
                            }
                        }

                        dw[oc * taps + tap] += Vector256.Sum(acc);
                    }
                }
            }
        }
    }

    /// <summary>
    /// dx[n,c,y,x] = Σ_{o,i,j} w[o,c,i,j] · dy[n,o,y−i,x−j] for the planes p = n·C + c in [firstPlane, lastPlane)
    /// (overwritten). Forward was y[oy,ox] += w · x[oy+i,ox+j], so each dy element is scattered back through every tap.
    /// </summary>
    public static void BackwardInput(ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, in ConvShape s, int firstPlane, int lastPlane)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, planeIn = s.Height * s.Width;
        for (int plane = firstPlane; plane < lastPlane; plane++)
        {
            int img = plane / s.Channels, c = plane % s.Channels;
            Span<float> input = dx.Slice(plane * planeIn, planeIn);
            input.Clear();
            for (int oc = 0; oc < s.OutChannels; oc++)
            {
                ReadOnlySpan<float> gradient = dy.Slice((img * s.OutChannels + oc) * oh * ow, oh * ow);
                ReadOnlySpan<float> weights = w.Slice(oc * taps + c * s.KernelHeight * s.KernelWidth, s.KernelHeight * s.KernelWidth);
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox0 = 0; ox0 < ow; ox0 += Lanes)
                    {
                        int start = Math.Min(ox0, ow - Lanes);
                        Vector256<float> d = Vector256.Create(gradient[(oy * ow + start)..]) & NewLanes(ox0 - start);
                        for (int i = 0; i < s.KernelHeight; i++)
                        {
                            Span<float> row = input.Slice((oy + i) * s.Width + start);
                            for (int j = 0; j < s.KernelWidth; j++)
                            {
                                (Vector256.Create((ReadOnlySpan<float>)row[j..]) + Vector256.Create(weights[i * s.KernelWidth + j]) * d).CopyTo(row[j..]);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Scalar reference of <see cref="Forward"/>.</summary>
    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in ConvShape s)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth;
        for (int img = 0; img < s.Images; img++)
        {
            for (int oc = 0; oc < s.OutChannels; oc++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float acc = bias.IsEmpty ? 0f : bias[oc];
                        for (int c = 0; c < s.Channels; c++)
                        {
                            for (int i = 0; i < s.KernelHeight; i++)
                            {
                                for (int j = 0; j < s.KernelWidth; j++)
                                {
                                    acc += w[((oc * s.Channels + c) * s.KernelHeight + i) * s.KernelWidth + j] * x[((img * s.Channels + c) * s.Height + oy + i) * s.Width + ox + j];
                                }
                            }
                        }

                        y[((img * s.OutChannels + oc) * oh + oy) * ow + ox] = acc;
                    }
                }
            }
        }
    }

    /// <summary>Scalar reference of <see cref="BackwardWeights"/> (accumulates, in double).</summary>
    public static void BackwardWeightsReference(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth;
        for (int oc = 0; oc < s.OutChannels; oc++)
        {
            for (int c = 0; c < s.Channels; c++)
            {
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    for (int j = 0; j < s.KernelWidth; j++)
                    {
                        double acc = 0;
                        for (int img = 0; img < s.Images; img++)
                        {
                            for (int oy = 0; oy < oh; oy++)
                            {
                                for (int ox = 0; ox < ow; ox++)
                                {
                                    acc += (double)dy[((img * s.OutChannels + oc) * oh + oy) * ow + ox] * x[((img * s.Channels + c) * s.Height + oy + i) * s.Width + ox + j];
                                }
                            }
                        }

                        dw[((oc * s.Channels + c) * s.KernelHeight + i) * s.KernelWidth + j] += (float)acc;
                    }
                }
            }
        }
    }

    /// <summary>Scalar reference of <see cref="BackwardInput"/> (in double).</summary>
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

    /// <summary>All-ones in the lanes at index ≥ <paramref name="covered"/> (those the previous vector did not cover).</summary>
    private static Vector256<float> NewLanes(int covered)
        => Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(covered)).AsSingle();
}

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
}
