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
    /// Register-blocked over output channels × up to 5 taps of one kernel row (j0 … j0+4): per vector step, one dy
    /// vector per channel and 5 x vectors (shifted by one column each) feed channels × 5 multiply-adds into as many
    /// independent accumulators. Two channels (10 accumulators) fit AVX2's 16 registers; four (20) need AVX-512's 32.
    /// (Four channels × one tap loads 10 vectors for 8 multiply-adds and reloads dy for every tap: load-bound.) Each
    /// weight's sum is one accumulator, reduced at the end, so both blockings give the same bits. 128-bit vectors
    /// (4-wide steps) block two channels, as SSE has 16 registers; their lanes sum in another order than 256-bit ones.
    /// </remarks>
    public static void BackwardWeights(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
        => BackwardWeights(Simd.Width, x, dy, dw, s, firstChannel, lastChannel);

    /// <summary>As <see cref="BackwardWeights(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/>;
    /// <paramref name="width"/> 512 blocks four output channels at a time, narrower widths two.</summary>
    internal static void BackwardWeights(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
    {
        s.CheckLengths(x.Length, dw.Length, dy.Length, 0, width);
        Debug.Assert(firstChannel >= 0 && lastChannel <= s.OutChannels, "channels outside dW");
        if (width >= SimdWidth.V512)
        {
            BackwardWeights<Vector256<float>, Vector256Ops, FourChannels>(x, dy, dw, s, firstChannel, lastChannel);
        }
        else if (width >= SimdWidth.V256)
        {
            BackwardWeights<Vector256<float>, Vector256Ops, TwoChannels>(x, dy, dw, s, firstChannel, lastChannel);
        }
        else
        {
            BackwardWeights<Vector128<float>, Vector128Ops, TwoChannels>(x, dy, dw, s, firstChannel, lastChannel);
        }
    }

    private static void BackwardWeights<TVec, TOps, TGroup>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
        where TVec : struct
        where TOps : IVectorOps<TVec>
        where TGroup : IBlockCount
    {
        int lanes = TOps.Count;
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, planeIn = s.Height * s.Width, planeOut = oh * ow;

        // Unchecked loads below: x vectors at (img, c, oy + i, start + j) with j < KW (see AssertRowsInBounds), dy vectors
        // of channels oc … oc + valid − 1 < lastChannel ≤ O at (oy, start ≤ OW − L); CheckLengths covered both buffers.
        AssertRowsInBounds(s, lanes);
        ref readonly float x0 = ref x[0];
        ref readonly float d0 = ref dy[0];
        for (int oc = firstChannel; oc < lastChannel; oc += TGroup.Count)
        {
            // Channels of the group past the last reuse channel oc's dy, masked to zero (their sums are dropped).
            int valid = Math.Min(TGroup.Count, lastChannel - oc);
            nuint plane1 = valid > 1 ? (nuint)(1 * planeOut) : 0;
            TVec keep1 = TOps.Mask(valid > 1);
            nuint plane2 = TGroup.Count > 2 && valid > 2 ? (nuint)(2 * planeOut) : 0;
            TVec keep2 = TOps.Mask(TGroup.Count > 2 && valid > 2);
            nuint plane3 = TGroup.Count > 3 && valid > 3 ? (nuint)(3 * planeOut) : 0;
            TVec keep3 = TOps.Mask(TGroup.Count > 3 && valid > 3);
            for (int c = 0; c < s.Channels; c++)
            {
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    for (int j0 = 0; j0 < s.KernelWidth; j0 += 5)
                    {
                        int width = Math.Min(5, s.KernelWidth - j0);
                        TVec a00 = default, a01 = default, a02 = default, a03 = default, a04 = default;
                        TVec a10 = default, a11 = default, a12 = default, a13 = default, a14 = default;
                        TVec a20 = default, a21 = default, a22 = default, a23 = default, a24 = default;
                        TVec a30 = default, a31 = default, a32 = default, a33 = default, a34 = default;
                        for (int img = 0; img < s.Images; img++)
                        {
                            nuint inPlane = (nuint)((img * s.Channels + c) * planeIn), outPlane = (nuint)((img * s.OutChannels + oc) * planeOut);
                            for (int oy = 0; oy < oh; oy++)
                            {
                                for (int ox0 = 0; ox0 < ow; ox0 += lanes)
                                {
                                    int start = Math.Min(ox0, ow - lanes);
                                    TVec fresh = TOps.LanesFrom(ox0 - start);
                                    nuint at = outPlane + (nuint)(oy * ow + start);
                                    TVec d0v = TOps.And(TOps.Load(in d0, at), fresh);
                                    TVec d1v = TOps.And(TOps.And(TOps.Load(in d0, at + plane1), fresh), keep1);
                                    TVec d2v = default, d3v = default;
                                    if (TGroup.Count > 2)
                                    {
                                        d2v = TOps.And(TOps.And(TOps.Load(in d0, at + plane2), fresh), keep2);
                                        d3v = TOps.And(TOps.And(TOps.Load(in d0, at + plane3), fresh), keep3);
                                    }

                                    nuint from = inPlane + (nuint)((oy + i) * s.Width + start + j0);
                                    TVec v = TOps.Load(in x0, from);
                                    a00 = TOps.MultiplyAdd(d0v, v, a00);
                                    a10 = TOps.MultiplyAdd(d1v, v, a10);
                                    if (TGroup.Count > 2)
                                    {
                                        a20 = TOps.MultiplyAdd(d2v, v, a20);
                                        a30 = TOps.MultiplyAdd(d3v, v, a30);
                                    }

                                    if (width > 1)
                                    {
                                        v = TOps.Load(in x0, from + 1);
                                        a01 = TOps.MultiplyAdd(d0v, v, a01);
                                        a11 = TOps.MultiplyAdd(d1v, v, a11);
                                        if (TGroup.Count > 2)
                                        {
                                            a21 = TOps.MultiplyAdd(d2v, v, a21);
                                            a31 = TOps.MultiplyAdd(d3v, v, a31);
                                        }
                                    }

                                    if (width > 2)
                                    {
                                        v = TOps.Load(in x0, from + 2);
                                        a02 = TOps.MultiplyAdd(d0v, v, a02);
                                        a12 = TOps.MultiplyAdd(d1v, v, a12);
                                        if (TGroup.Count > 2)
                                        {
                                            a22 = TOps.MultiplyAdd(d2v, v, a22);
                                            a32 = TOps.MultiplyAdd(d3v, v, a32);
                                        }
                                    }

                                    if (width > 3)
                                    {
                                        v = TOps.Load(in x0, from + 3);
                                        a03 = TOps.MultiplyAdd(d0v, v, a03);
                                        a13 = TOps.MultiplyAdd(d1v, v, a13);
                                        if (TGroup.Count > 2)
                                        {
                                            a23 = TOps.MultiplyAdd(d2v, v, a23);
                                            a33 = TOps.MultiplyAdd(d3v, v, a33);
                                        }
                                    }

                                    if (width > 4)
                                    {
                                        v = TOps.Load(in x0, from + 4);
                                        a04 = TOps.MultiplyAdd(d0v, v, a04);
                                        a14 = TOps.MultiplyAdd(d1v, v, a14);
                                        if (TGroup.Count > 2)
                                        {
                                            a24 = TOps.MultiplyAdd(d2v, v, a24);
                                            a34 = TOps.MultiplyAdd(d3v, v, a34);
                                        }
                                    }
                                }
                            }
                        }

                        int tap = (c * s.KernelHeight + i) * s.KernelWidth + j0;
                        AddSums<TVec, TOps>(dw, oc * taps + tap, width, a00, a01, a02, a03, a04);

                        if (valid > 1)
                        {
                            AddSums<TVec, TOps>(dw, (oc + 1) * taps + tap, width, a10, a11, a12, a13, a14);
                        }

                        if (valid > 2)
                        {
                            AddSums<TVec, TOps>(dw, (oc + 2) * taps + tap, width, a20, a21, a22, a23, a24);
                        }

                        if (valid > 3)
                        {
                            AddSums<TVec, TOps>(dw, (oc + 3) * taps + tap, width, a30, a31, a32, a33, a34);
                        }
                    }
                }
            }
        }
    }

    /// <summary>dw[at + t] += the lane sum of accumulator t, for t &lt; width.</summary>
    private static void AddSums<TVec, TOps>(Span<float> dw, int at, int width, TVec s0, TVec s1, TVec s2, TVec s3, TVec s4)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        dw[at] += TOps.Sum(s0);
        if (width > 1)
        {
            dw[at + 1] += TOps.Sum(s1);
        }

        if (width > 2)
        {
            dw[at + 2] += TOps.Sum(s2);
        }

        if (width > 3)
        {
            dw[at + 3] += TOps.Sum(s3);
        }

        if (width > 4)
        {
            dw[at + 4] += TOps.Sum(s4);
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
}
