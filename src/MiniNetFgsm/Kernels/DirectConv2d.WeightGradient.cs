using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

public static partial class DirectConv2d
{
    /// <summary>
    /// dW[o,c,i,j] += Σ_{n,oy,ox} dy[n,o,oy,ox] · x[n,c,oy+i,ox+j] for output channels o in [firstChannel, lastChannel).
    /// Forward was y = Σ w · x, so each weight's gradient is the correlation of dy with the input it multiplied.
    /// </summary>
    /// <remarks>
    /// Register-blocked over output channels × up to 5 taps of one kernel row (j0 … j0+4): per 8-wide step, one dy
    /// vector per channel and 5 x vectors (shifted by one column each) feed channels × 5 multiply-adds into as many
    /// independent accumulators. Two channels (10 accumulators) fit AVX2's 16 registers; four (20) need AVX-512's 32.
    /// (Four channels × one tap loads 10 vectors for 8 multiply-adds and reloads dy for every tap: load-bound.) Each
    /// weight's sum is one accumulator, reduced at the end, so both blockings give the same bits.
    /// </remarks>
    public static void BackwardWeights(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
        => BackwardWeights(Simd.Width, x, dy, dw, s, firstChannel, lastChannel);

    /// <summary>As <see cref="BackwardWeights(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/>;
    /// <paramref name="width"/> 512 blocks four output channels at a time, narrower widths two.</summary>
    internal static void BackwardWeights(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
    {
        s.CheckLengths(x.Length, dw.Length, dy.Length, 0);
        Debug.Assert(firstChannel >= 0 && lastChannel <= s.OutChannels, "channels outside dW");
        if (width >= SimdWidth.V512)
        {
            BackwardWeights<FourChannels>(x, dy, dw, s, firstChannel, lastChannel);
        }
        else
        {
            BackwardWeights<TwoChannels>(x, dy, dw, s, firstChannel, lastChannel);
        }
    }

    private static void BackwardWeights<TGroup>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
        where TGroup : IBlockCount
    {
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, planeIn = s.Height * s.Width, planeOut = oh * ow;

        // Unchecked loads below: x vectors at (img, c, oy + i, start + j) with j < KW (see AssertRowsInBounds), dy vectors
        // of channels oc … oc + valid − 1 < lastChannel ≤ O at (oy, start ≤ OW − 8); CheckLengths covered both buffers.
        AssertRowsInBounds(s);
        ref readonly float x0 = ref x[0];
        ref readonly float d0 = ref dy[0];
        for (int oc = firstChannel; oc < lastChannel; oc += TGroup.Count)
        {
            // Channels of the group past the last reuse channel oc's dy, masked to zero (their sums are dropped).
            int valid = Math.Min(TGroup.Count, lastChannel - oc);
            nuint plane1 = valid > 1 ? (nuint)(1 * planeOut) : 0;
            Vector256<float> keep1 = valid > 1 ? Vector256<float>.AllBitsSet : Vector256<float>.Zero;
            nuint plane2 = TGroup.Count > 2 && valid > 2 ? (nuint)(2 * planeOut) : 0;
            Vector256<float> keep2 = TGroup.Count > 2 && valid > 2 ? Vector256<float>.AllBitsSet : Vector256<float>.Zero;
            nuint plane3 = TGroup.Count > 3 && valid > 3 ? (nuint)(3 * planeOut) : 0;
            Vector256<float> keep3 = TGroup.Count > 3 && valid > 3 ? Vector256<float>.AllBitsSet : Vector256<float>.Zero;
            for (int c = 0; c < s.Channels; c++)
            {
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    for (int j0 = 0; j0 < s.KernelWidth; j0 += 5)
                    {
                        int width = Math.Min(5, s.KernelWidth - j0);
                        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default, a04 = default;
                        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default, a14 = default;
                        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default, a24 = default;
                        Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default, a34 = default;
                        for (int img = 0; img < s.Images; img++)
                        {
                            nuint inPlane = (nuint)((img * s.Channels + c) * planeIn), outPlane = (nuint)((img * s.OutChannels + oc) * planeOut);
                            for (int oy = 0; oy < oh; oy++)
                            {
                                for (int ox0 = 0; ox0 < ow; ox0 += Lanes)
                                {
                                    int start = Math.Min(ox0, ow - Lanes);
                                    Vector256<float> fresh = NewLanes(ox0 - start);
                                    nuint at = outPlane + (nuint)(oy * ow + start);
                                    Vector256<float> d0v = Vector256.LoadUnsafe(in d0, at) & fresh;
                                    Vector256<float> d1v = Vector256.LoadUnsafe(in d0, at + plane1) & fresh & keep1;
                                    Vector256<float> d2v = default, d3v = default;
                                    if (TGroup.Count > 2)
                                    {
                                        d2v = Vector256.LoadUnsafe(in d0, at + plane2) & fresh & keep2;
                                        d3v = Vector256.LoadUnsafe(in d0, at + plane3) & fresh & keep3;
                                    }

                                    nuint from = inPlane + (nuint)((oy + i) * s.Width + start + j0);
                                    Vector256<float> v = Vector256.LoadUnsafe(in x0, from);
                                    a00 = Vector256.FusedMultiplyAdd(d0v, v, a00);
                                    a10 = Vector256.FusedMultiplyAdd(d1v, v, a10);
                                    if (TGroup.Count > 2)
                                    {
                                        a20 = Vector256.FusedMultiplyAdd(d2v, v, a20);
                                        a30 = Vector256.FusedMultiplyAdd(d3v, v, a30);
                                    }

                                    if (width > 1)
                                    {
                                        v = Vector256.LoadUnsafe(in x0, from + 1);
                                        a01 = Vector256.FusedMultiplyAdd(d0v, v, a01);
                                        a11 = Vector256.FusedMultiplyAdd(d1v, v, a11);
                                        if (TGroup.Count > 2)
                                        {
                                            a21 = Vector256.FusedMultiplyAdd(d2v, v, a21);
                                            a31 = Vector256.FusedMultiplyAdd(d3v, v, a31);
                                        }
                                    }

                                    if (width > 2)
                                    {
                                        v = Vector256.LoadUnsafe(in x0, from + 2);
                                        a02 = Vector256.FusedMultiplyAdd(d0v, v, a02);
                                        a12 = Vector256.FusedMultiplyAdd(d1v, v, a12);
                                        if (TGroup.Count > 2)
                                        {
                                            a22 = Vector256.FusedMultiplyAdd(d2v, v, a22);
                                            a32 = Vector256.FusedMultiplyAdd(d3v, v, a32);
                                        }
                                    }

                                    if (width > 3)
                                    {
                                        v = Vector256.LoadUnsafe(in x0, from + 3);
                                        a03 = Vector256.FusedMultiplyAdd(d0v, v, a03);
                                        a13 = Vector256.FusedMultiplyAdd(d1v, v, a13);
                                        if (TGroup.Count > 2)
                                        {
                                            a23 = Vector256.FusedMultiplyAdd(d2v, v, a23);
                                            a33 = Vector256.FusedMultiplyAdd(d3v, v, a33);
                                        }
                                    }

                                    if (width > 4)
                                    {
                                        v = Vector256.LoadUnsafe(in x0, from + 4);
                                        a04 = Vector256.FusedMultiplyAdd(d0v, v, a04);
                                        a14 = Vector256.FusedMultiplyAdd(d1v, v, a14);
                                        if (TGroup.Count > 2)
                                        {
                                            a24 = Vector256.FusedMultiplyAdd(d2v, v, a24);
                                            a34 = Vector256.FusedMultiplyAdd(d3v, v, a34);
                                        }
                                    }
                                }
                            }
                        }

                        int tap = (c * s.KernelHeight + i) * s.KernelWidth + j0;
                        AddSums(dw, oc * taps + tap, width, a00, a01, a02, a03, a04);

                        if (valid > 1)
                        {
                            AddSums(dw, (oc + 1) * taps + tap, width, a10, a11, a12, a13, a14);
                        }

                        if (valid > 2)
                        {
                            AddSums(dw, (oc + 2) * taps + tap, width, a20, a21, a22, a23, a24);
                        }

                        if (valid > 3)
                        {
                            AddSums(dw, (oc + 3) * taps + tap, width, a30, a31, a32, a33, a34);
                        }
                    }
                }
            }
        }
    }

    /// <summary>dw[at + t] += the lane sum of accumulator t, for t &lt; width.</summary>
    private static void AddSums(Span<float> dw, int at, int width, Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3, Vector256<float> s4)
    {
        dw[at] += Vector256.Sum(s0);
        if (width > 1)
        {
            dw[at + 1] += Vector256.Sum(s1);
        }

        if (width > 2)
        {
            dw[at + 2] += Vector256.Sum(s2);
        }

        if (width > 3)
        {
            dw[at + 3] += Vector256.Sum(s3);
        }

        if (width > 4)
        {
            dw[at + 4] += Vector256.Sum(s4);
        }
    }

    /// <summary>Scalar reference of <see cref="BackwardWeights(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/> (accumulates, in double).</summary>
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


    /// <summary>All-ones in the lanes at index ≥ <paramref name="covered"/> (those the previous vector did not cover).</summary>
    private static Vector256<float> NewLanes(int covered)
        => Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(covered)).AsSingle();
}
