using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

public static partial class DirectConv2d
{
    /// <summary>
    /// y[n,o,oy,ox] = b[o] + Σ_{c,i,j} w[o,c,i,j] · x[n,c,oy+i,ox+j] for the planes p = n·O + o in [firstPlane, lastPlane).
    /// <paramref name="bias"/> may be empty (no bias). Sums run over the taps in (c, i, j) order with fused multiply-adds.
    /// </summary>
    /// <remarks>
    /// Four output channels at a time: each x vector is loaded once and feeds four accumulators (one load per four
    /// multiply-adds besides the broadcast weights), instead of one load per multiply-add.
    /// </remarks>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in ConvShape s, int firstPlane, int lastPlane)
        => Forward(Simd.Width, x, w, bias, y, s, firstPlane, lastPlane);

    /// <summary>
    /// As <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/>;
    /// <paramref name="width"/> 512 picks the 16-accumulator pass (<see cref="Forward4x4"/>) for groups of four channels,
    /// which needs AVX-512's 32 registers to run fast (any width computes the same bits).
    /// </summary>
    internal static void Forward(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in ConvShape s, int firstPlane, int lastPlane)
    {
        s.CheckLengths(x.Length, w.Length, y.Length, bias.Length, width);
        Debug.Assert(firstPlane >= 0 && lastPlane <= s.Images * s.OutChannels, "planes outside y");
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, image = s.Channels * s.Height * s.Width;
        for (int plane = firstPlane; plane < lastPlane;)
        {
            int img = plane / s.OutChannels, oc = plane % s.OutChannels;
            int group = Math.Min(Math.Min(4, s.OutChannels - oc), lastPlane - plane);
            ref readonly float input = ref x[img * image];
            for (int g = 0; g < group; g += group - g >= 4 ? 4 : 1)
            {
                int channels = group - g >= 4 ? 4 : 1;

                // The passes below read x[img·image, (img + 1)·image) and w[(oc + g)·taps, (oc + g + channels)·taps)
                // through refs, unchecked.
                Debug.Assert((img + 1) * image <= x.Length && (oc + g + channels) * taps <= w.Length);
                ref readonly float weights = ref w[(oc + g) * taps];
                Span<float> output = y.Slice((plane + g) * oh * ow, channels * oh * ow);
                ReadOnlySpan<float> b4 = bias.IsEmpty || channels < 4 ? default : bias.Slice(oc + g, 4);
                float b1 = bias.IsEmpty ? 0f : bias[oc + g];
                if (channels == 4 && width >= SimdWidth.V512)
                {
                    Forward4x4(in input, in weights, b4, output, s);
                }
                else if (width >= SimdWidth.V256)
                {
                    ForwardGroup<Vector256<float>, Vector256Ops>(channels, in input, in weights, b4, b1, output, s);
                }
                else
                {
                    ForwardGroup<Vector128<float>, Vector128Ops>(channels, in input, in weights, b4, b1, output, s);
                }
            }

            plane += group;
        }
    }

    /// <summary>Four output channels (<see cref="Forward4{TVec, TOps}"/>) or one (<see cref="Forward1{TVec, TOps}"/>) with
    /// <typeparamref name="TVec"/> vectors.</summary>
    private static void ForwardGroup<TVec, TOps>(int channels, ref readonly float x, ref readonly float w, ReadOnlySpan<float> bias4, float bias1, Span<float> y, in ConvShape s)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        if (channels == 4)
        {
            Forward4<TVec, TOps>(in x, in w, bias4, y, s);
        }
        else
        {
            Forward1<TVec, TOps>(in x, in w, bias1, y, s);
        }
    }

    // Forward4 computes two output rows (oy and oy + 1) per pass and Forward1 eight or four: each accumulator is a chain of
    // dependent multiply-adds, and one row's 4 chains (1 in Forward1) leave the FMA pipes waiting on latency; more rows
    // add independent chains that share every weight broadcast. Rows past the last repeat the last and are not stored.
    // Each output's sum is still over the taps in (c, i, j) order: bit-identical to the reference.

    private static void Forward4<TVec, TOps>(ref readonly float x, ref readonly float w, ReadOnlySpan<float> bias, Span<float> y, in ConvShape s)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, plane = oh * ow;
        nuint t1 = (nuint)taps, t2 = 2 * t1, t3 = 3 * t1;
        int lanes = TOps.Count;
        AssertRowsInBounds(s, lanes);
        TVec b0 = TOps.Create(bias.IsEmpty ? 0f : bias[0]), b1 = TOps.Create(bias.IsEmpty ? 0f : bias[1]);
        TVec b2 = TOps.Create(bias.IsEmpty ? 0f : bias[2]), b3 = TOps.Create(bias.IsEmpty ? 0f : bias[3]);
        for (int oy = 0; oy < oh; oy += 2)
        {
            bool pair = oy + 1 < oh;
            nuint second = pair ? (nuint)s.Width : 0;
            for (int ox0 = 0; ox0 < ow; ox0 += lanes)
            {
                int start = Math.Min(ox0, ow - lanes);
                TVec a0 = b0, a1 = b1, a2 = b2, a3 = b3;
                TVec c0 = b0, c1 = b1, c2 = b2, c3 = b3;
                // Index arithmetic in nuint, from a weight reference that moves one kernel row at a time: with int
                // offsets the JIT sign-extended every address, 14 scalar instructions beside the 8 FMAs of a tap, and
                // the loop was bound by instruction dispatch.
                ref float wRow = ref Unsafe.AsRef(in w);
                for (int c = 0; c < s.Channels; c++)
                {
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        // In bounds: start + j + L ≤ OW − L + KW − 1 + L = W (L the lanes) (checked once by CheckLengths), and row
                        // oy + 1 + i ≤ OH − 1 + KH − 1 < H when there is a second row.
                        ref float xRow = ref Unsafe.Add(ref Unsafe.AsRef(in x), (nuint)((c * s.Height + oy + i) * s.Width + start));
                        for (nuint j = 0; j < (nuint)s.KernelWidth; j++)
                        {
                            TVec v = TOps.Load(ref xRow, j);
                            TVec u = TOps.Load(ref xRow, second + j);
                            TVec k = TOps.Create(Unsafe.Add(ref wRow, j));
                            a0 = TOps.MultiplyAdd(k, v, a0);
                            c0 = TOps.MultiplyAdd(k, u, c0);
                            k = TOps.Create(Unsafe.Add(ref wRow, t1 + j));
                            a1 = TOps.MultiplyAdd(k, v, a1);
                            c1 = TOps.MultiplyAdd(k, u, c1);
                            k = TOps.Create(Unsafe.Add(ref wRow, t2 + j));
                            a2 = TOps.MultiplyAdd(k, v, a2);
                            c2 = TOps.MultiplyAdd(k, u, c2);
                            k = TOps.Create(Unsafe.Add(ref wRow, t3 + j));
                            a3 = TOps.MultiplyAdd(k, v, a3);
                            c3 = TOps.MultiplyAdd(k, u, c3);
                        }

                        wRow = ref Unsafe.Add(ref wRow, s.KernelWidth);
                    }
                }

                int at = oy * ow + start;
                TOps.Store(a0, y[at..]);
                TOps.Store(a1, y[(plane + at)..]);
                TOps.Store(a2, y[(2 * plane + at)..]);
                TOps.Store(a3, y[(3 * plane + at)..]);
                if (pair)
                {
                    at += ow;
                    TOps.Store(c0, y[at..]);
                    TOps.Store(c1, y[(plane + at)..]);
                    TOps.Store(c2, y[(2 * plane + at)..]);
                    TOps.Store(c3, y[(3 * plane + at)..]);
                }
            }
        }
    }

    /// <summary>
    /// As <see cref="Forward4{TVec, TOps}"/> with 256-bit vectors and four output rows per pass: 16 accumulators, which only AVX-512's 32 vector
    /// registers hold (with 16, as in AVX2, they would spill). Every weight broadcast feeds 4 rows, and 16 independent
    /// chains per pass keep both FMA pipes busy through the 4-cycle latency even for lenet conv1's 25 taps.
    /// Rows past the last repeat the last (offset 0 from it) and are not stored.
    /// </summary>
    private static void Forward4x4(ref readonly float x, ref readonly float w, ReadOnlySpan<float> bias, Span<float> y, in ConvShape s)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, plane = oh * ow;
        AssertRowsInBounds(s, Lanes);
        Vector256<float> b0 = Vector256.Create(bias.IsEmpty ? 0f : bias[0]), b1 = Vector256.Create(bias.IsEmpty ? 0f : bias[1]);
        Vector256<float> b2 = Vector256.Create(bias.IsEmpty ? 0f : bias[2]), b3 = Vector256.Create(bias.IsEmpty ? 0f : bias[3]);
        for (int oy = 0; oy < oh; oy += 4)
        {
            int rows = Math.Min(4, oh - oy);
            nuint r1 = RowOffset(1, rows, s.Width), r2 = RowOffset(2, rows, s.Width), r3 = RowOffset(3, rows, s.Width);
            for (int ox0 = 0; ox0 < ow; ox0 += Lanes)
            {
                int start = Math.Min(ox0, ow - Lanes);
                Vector256<float> a00 = b0, a01 = b1, a02 = b2, a03 = b3;
                Vector256<float> a10 = b0, a11 = b1, a12 = b2, a13 = b3;
                Vector256<float> a20 = b0, a21 = b1, a22 = b2, a23 = b3;
                Vector256<float> a30 = b0, a31 = b1, a32 = b2, a33 = b3;
                int tap = 0;
                for (int c = 0; c < s.Channels; c++)
                {
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        nuint row = (nuint)((c * s.Height + oy + i) * s.Width + start);
                        for (int j = 0; j < s.KernelWidth; j++, tap++)
                        {
                            nuint at = row + (nuint)j;
                            Vector256<float> v0 = Vector256.LoadUnsafe(in x, at), v1 = Vector256.LoadUnsafe(in x, at + r1);
                            Vector256<float> v2 = Vector256.LoadUnsafe(in x, at + r2), v3 = Vector256.LoadUnsafe(in x, at + r3);
                            Vector256<float> k = Vector256.Create(Unsafe.Add(ref Unsafe.AsRef(in w), tap));
                            a00 = Vector256.MultiplyAddEstimate(k, v0, a00);
                            a10 = Vector256.MultiplyAddEstimate(k, v1, a10);
                            a20 = Vector256.MultiplyAddEstimate(k, v2, a20);
                            a30 = Vector256.MultiplyAddEstimate(k, v3, a30);
                            k = Vector256.Create(Unsafe.Add(ref Unsafe.AsRef(in w), taps + tap));
                            a01 = Vector256.MultiplyAddEstimate(k, v0, a01);
                            a11 = Vector256.MultiplyAddEstimate(k, v1, a11);
                            a21 = Vector256.MultiplyAddEstimate(k, v2, a21);
                            a31 = Vector256.MultiplyAddEstimate(k, v3, a31);
                            k = Vector256.Create(Unsafe.Add(ref Unsafe.AsRef(in w), 2 * taps + tap));
                            a02 = Vector256.MultiplyAddEstimate(k, v0, a02);
                            a12 = Vector256.MultiplyAddEstimate(k, v1, a12);
                            a22 = Vector256.MultiplyAddEstimate(k, v2, a22);
                            a32 = Vector256.MultiplyAddEstimate(k, v3, a32);
                            k = Vector256.Create(Unsafe.Add(ref Unsafe.AsRef(in w), 3 * taps + tap));
                            a03 = Vector256.MultiplyAddEstimate(k, v0, a03);
                            a13 = Vector256.MultiplyAddEstimate(k, v1, a13);
                            a23 = Vector256.MultiplyAddEstimate(k, v2, a23);
                            a33 = Vector256.MultiplyAddEstimate(k, v3, a33);
                        }
                    }
                }

                int to = oy * ow + start;
                a00.CopyTo(y[(to)..]);
                a01.CopyTo(y[(plane + to)..]);
                a02.CopyTo(y[(2 * plane + to)..]);
                a03.CopyTo(y[(3 * plane + to)..]);

                if (rows > 1)
                {
                    a10.CopyTo(y[(to + ow)..]);
                    a11.CopyTo(y[(plane + to + ow)..]);
                    a12.CopyTo(y[(2 * plane + to + ow)..]);
                    a13.CopyTo(y[(3 * plane + to + ow)..]);
                }

                if (rows > 2)
                {
                    a20.CopyTo(y[(to + 2 * ow)..]);
                    a21.CopyTo(y[(plane + to + 2 * ow)..]);
                    a22.CopyTo(y[(2 * plane + to + 2 * ow)..]);
                    a23.CopyTo(y[(3 * plane + to + 2 * ow)..]);
                }

                if (rows > 3)
                {
                    a30.CopyTo(y[(to + 3 * ow)..]);
                    a31.CopyTo(y[(plane + to + 3 * ow)..]);
                    a32.CopyTo(y[(2 * plane + to + 3 * ow)..]);
                    a33.CopyTo(y[(3 * plane + to + 3 * ow)..]);
                }
            }
        }
    }

    /// <summary>
    /// One output channel, eight rows per pass when the input rows a pass reads stay in L1, four otherwise. One channel
    /// alone has no other source of independent chains, and 8 chains are what two FMA pipes with a 4-cycle latency need.
    /// Each x vector is used once, so the JIT folds its load into the multiply-add and the pass needs only 9 vector
    /// registers (8 accumulators and the weight), which AVX2's 16 hold. This kernel is the whole input gradient of a
    /// first layer, which FGSM runs (that gather has one output channel). Eight rows win when their input stays in L1;
    /// mnist-cnn conv1's input gradient, whose 8-row passes would read 38 KiB (32 channels × 10 rows × 30 floats), ran
    /// slower with them, so wider passes keep four rows.
    /// </summary>
    private static void Forward1<TVec, TOps>(ref readonly float x, ref readonly float w, float bias, Span<float> y, in ConvShape s)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        if ((long)s.Channels * (8 + s.KernelHeight - 1) * s.Width * sizeof(float) <= 16 * 1024)
        {
            Forward1<TVec, TOps, EightRows>(in x, in w, bias, y, s);
        }
        else
        {
            Forward1<TVec, TOps, FourRows>(in x, in w, bias, y, s);
        }
    }

    /// <summary>One output channel, <typeparamref name="TRows"/> rows per pass (4 or 8). Rows past the last repeat the
    /// last (offset 0 from it) and are not stored.</summary>
    private static void Forward1<TVec, TOps, TRows>(ref readonly float x, ref readonly float w, float bias, Span<float> y, in ConvShape s)
        where TVec : struct
        where TOps : IVectorOps<TVec>
        where TRows : IBlockCount
    {
        int oh = s.OutputHeight, ow = s.OutputWidth;
        bool eight = TRows.Count == 8;
        int lanes = TOps.Count;
        AssertRowsInBounds(s, lanes);
        for (int oy = 0; oy < oh; oy += TRows.Count)
        {
            int rows = Math.Min(TRows.Count, oh - oy);
            nuint r1 = RowOffset(1, rows, s.Width), r2 = RowOffset(2, rows, s.Width), r3 = RowOffset(3, rows, s.Width);
            nuint r4 = RowOffset(4, rows, s.Width), r5 = RowOffset(5, rows, s.Width), r6 = RowOffset(6, rows, s.Width);
            nuint r7 = RowOffset(7, rows, s.Width);
            for (int ox0 = 0; ox0 < ow; ox0 += lanes)
            {
                int start = Math.Min(ox0, ow - lanes);
                TVec a0 = TOps.Create(bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                ref float wRow = ref Unsafe.AsRef(in w);       // nuint indexing, as in Forward4
                for (int c = 0; c < s.Channels; c++)
                {
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        ref float xRow = ref Unsafe.Add(ref Unsafe.AsRef(in x), (nuint)((c * s.Height + oy + i) * s.Width + start));
                        for (nuint j = 0; j < (nuint)s.KernelWidth; j++)
                        {
                            TVec k = TOps.Create(Unsafe.Add(ref wRow, j));
                            a0 = TOps.MultiplyAdd(k, TOps.Load(ref xRow, j), a0);
                            a1 = TOps.MultiplyAdd(k, TOps.Load(ref xRow, j + r1), a1);
                            a2 = TOps.MultiplyAdd(k, TOps.Load(ref xRow, j + r2), a2);
                            a3 = TOps.MultiplyAdd(k, TOps.Load(ref xRow, j + r3), a3);
                            if (eight)
                            {
                                a4 = TOps.MultiplyAdd(k, TOps.Load(ref xRow, j + r4), a4);
                                a5 = TOps.MultiplyAdd(k, TOps.Load(ref xRow, j + r5), a5);
                                a6 = TOps.MultiplyAdd(k, TOps.Load(ref xRow, j + r6), a6);
                                a7 = TOps.MultiplyAdd(k, TOps.Load(ref xRow, j + r7), a7);
                            }
                        }

                        wRow = ref Unsafe.Add(ref wRow, s.KernelWidth);
                    }
                }

                int to = oy * ow + start;
                TOps.Store(a0, y[to..]);
                StoreRow<TVec, TOps>(a1, 1, rows, y, to, ow);
                StoreRow<TVec, TOps>(a2, 2, rows, y, to, ow);
                StoreRow<TVec, TOps>(a3, 3, rows, y, to, ow);
                StoreRow<TVec, TOps>(a4, 4, rows, y, to, ow);
                StoreRow<TVec, TOps>(a5, 5, rows, y, to, ow);
                StoreRow<TVec, TOps>(a6, 6, rows, y, to, ow);
                StoreRow<TVec, TOps>(a7, 7, rows, y, to, ow);
            }
        }
    }

    /// <summary>
    /// The bounds every pass relies on: a vector of L lanes starts at column start ≤ OW − L and reads taps j &lt; KW, so
    /// its last element is at most OW − L + KW − 1 + L − 1 = W − 1; a pass's rows are at most OH − 1 and read rows up to OH − 1 +
    /// KH − 1 = H − 1 (rows past the last repeat it, offset 0). Within one image and one group of weights (asserted by
    /// the caller), every unchecked read is in bounds.
    /// </summary>
    [Conditional("DEBUG")]
    private static void AssertRowsInBounds(in ConvShape s, int lanes)
    {
        Debug.Assert(s.OutputWidth >= lanes, "the last vector of a row would start before column 0");
        Debug.Assert(s.OutputWidth - lanes + s.KernelWidth - 1 + lanes <= s.Width, "a vector would read past the row");
        Debug.Assert(s.OutputHeight - 1 + s.KernelHeight - 1 < s.Height, "a pass would read past the plane");
    }

    /// <summary>The input offset of row r of a pass of <paramref name="rows"/> rows: rows past the last repeat the last.</summary>
    private static nuint RowOffset(int r, int rows, int width) => (nuint)(Math.Min(r, rows - 1) * width);

    /// <summary>Stores row r of a pass at y[to + r·ow] when the pass has that row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVec, TOps>(TVec v, int r, int rows, Span<float> y, int to, int ow)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        if (r < rows)
        {
            TOps.Store(v, y[(to + r * ow)..]);
        }
    }

    /// <summary>Scalar reference of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/>: the same multiply-adds (<see cref="VectorOps.MultiplyAdd"/>) in the same order, so bit-identical at every width.</summary>
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
                                    acc = VectorOps.MultiplyAdd(w[((oc * s.Channels + c) * s.KernelHeight + i) * s.KernelWidth + j], x[((img * s.Channels + c) * s.Height + oy + i) * s.Width + ox + j], acc);
                                }
                            }
                        }

                        y[((img * s.OutChannels + oc) * oh + oy) * ow + ox] = acc;
                    }
                }
            }
        }
    }

}
