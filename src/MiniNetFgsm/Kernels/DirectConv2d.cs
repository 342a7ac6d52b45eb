using System.Runtime.CompilerServices;
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
/// what is already stored (so does the input gradient, which runs through the forward kernel); the weight gradient masks
/// off the overlapping lanes so nothing is counted twice. Every output
/// element is one thread's, summed in a fixed order, so the results do not depend on the thread count.
/// </remarks>
public static class DirectConv2d
{
    /// <summary>Most taps (C·KH·KW) worth a direct convolution in both directions; above it, im2col + GEMM wins.</summary>
    public const int MaxTaps = 32;

    /// <summary>Output rows at most this wide run forward directly whatever the number of taps.</summary>
    public const int NarrowOutput = 16;

    private const int Lanes = 8;

    /// <summary>
    /// True when the direct forward pass is the faster one here: few taps (a first layer), or narrow output rows, where
    /// im2col + GEMM spends its time unrolling. Measured with <c>mininet bench --layers</c> (one thread, batch 64): lenet
    /// conv2 (250 taps, OW 8) runs forward 3–4× faster directly; mnist-cnn conv2 (288 taps, OW 24) 20% slower.
    /// </summary>
    public static bool SupportsForward(int channels, int kernelHeight, int kernelWidth, int stride, int padding, int outputWidth)
        => Eligible(stride, padding, outputWidth) && (channels * kernelHeight * kernelWidth <= MaxTaps || outputWidth <= NarrowOutput);

    /// <summary>
    /// True when the direct backward passes are the faster ones: few taps only. With many, re-reading dy once per tap
    /// loses to a GEMM: on lenet conv2 (250 taps, OW 8), measured in one process against unfold + GEMM, the direct
    /// weight gradient ran 4% slower (fwd + bwd 1,180 vs 1,134 µs per 32 images) and the direct input gradient, a
    /// gather over zero-padded dy planes wider than the output, 1.4× slower.
    /// </summary>
    public static bool SupportsBackward(int channels, int kernelHeight, int kernelWidth, int stride, int padding, int outputWidth)
        => Eligible(stride, padding, outputWidth) && channels * kernelHeight * kernelWidth <= MaxTaps;

    private static bool Eligible(int stride, int padding, int outputWidth)
        => stride == 1 && padding == 0 && outputWidth >= Lanes && Simd.Width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated;

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
        s.CheckLengths(x.Length, w.Length, y.Length, bias.Length);
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, image = s.Channels * s.Height * s.Width;
        for (int plane = firstPlane; plane < lastPlane;)
        {
            int img = plane / s.OutChannels, oc = plane % s.OutChannels;
            int group = Math.Min(Math.Min(4, s.OutChannels - oc), lastPlane - plane);
            ref readonly float input = ref x[img * image];
            for (int g = 0; g < group; g += group - g >= 4 ? 4 : 1)
            {
                int channels = group - g >= 4 ? 4 : 1;
                ref readonly float weights = ref w[(oc + g) * taps];
                Span<float> output = y.Slice((plane + g) * oh * ow, channels * oh * ow);
                if (channels == 4 && width >= SimdWidth.V512)
                {
                    Forward4x4(in input, in weights, bias.IsEmpty ? default : bias.Slice(oc + g, 4), output, s);
                }
                else if (channels == 4)
                {
                    Forward4(in input, in weights, bias.IsEmpty ? default : bias.Slice(oc + g, 4), output, s);
                }
                else
                {
                    Forward1(in input, in weights, bias.IsEmpty ? 0f : bias[oc + g], output, s);
                }
            }

            plane += group;
        }
    }

    // Forward4 computes two output rows (oy and oy + 1) per pass and Forward1 eight or four: each accumulator is a chain of
    // dependent multiply-adds, and one row's 4 chains (1 in Forward1) leave the FMA pipes waiting on latency; more rows
    // add independent chains that share every weight broadcast. Rows past the last repeat the last and are not stored.
    // Each output's sum is still over the taps in (c, i, j) order: bit-identical to the reference.

    private static void Forward4(ref readonly float x, ref readonly float w, ReadOnlySpan<float> bias, Span<float> y, in ConvShape s)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, plane = oh * ow;
        nuint t1 = (nuint)taps, t2 = 2 * t1, t3 = 3 * t1;
        Vector256<float> b0 = Vector256.Create(bias.IsEmpty ? 0f : bias[0]), b1 = Vector256.Create(bias.IsEmpty ? 0f : bias[1]);
        Vector256<float> b2 = Vector256.Create(bias.IsEmpty ? 0f : bias[2]), b3 = Vector256.Create(bias.IsEmpty ? 0f : bias[3]);
        for (int oy = 0; oy < oh; oy += 2)
        {
            bool pair = oy + 1 < oh;
            nuint second = pair ? (nuint)s.Width : 0;
            for (int ox0 = 0; ox0 < ow; ox0 += Lanes)
            {
                int start = Math.Min(ox0, ow - Lanes);
                Vector256<float> a0 = b0, a1 = b1, a2 = b2, a3 = b3;
                Vector256<float> c0 = b0, c1 = b1, c2 = b2, c3 = b3;
                // Index arithmetic in nuint, from a weight reference that moves one kernel row at a time: with int
                // offsets the JIT sign-extended every address, 14 scalar instructions beside the 8 FMAs of a tap, and
                // the loop was bound by instruction dispatch. Measured on a Zen 3 in one process: lenet conv2 forward
                // 0.78–0.83× the time, mnist-cnn conv1 forward 0.82×.
                ref float wRow = ref Unsafe.AsRef(in w);
                for (int c = 0; c < s.Channels; c++)
                {
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        // In bounds: start + j + 8 ≤ OW − 8 + KW − 1 + 8 = W (checked once by CheckLengths), and row
                        // oy + 1 + i ≤ OH − 1 + KH − 1 < H when there is a second row.
                        ref float xRow = ref Unsafe.Add(ref Unsafe.AsRef(in x), (nuint)((c * s.Height + oy + i) * s.Width + start));
                        for (nuint j = 0; j < (nuint)s.KernelWidth; j++)
                        {
                            Vector256<float> v = Vector256.LoadUnsafe(ref xRow, j);
                            Vector256<float> u = Vector256.LoadUnsafe(ref xRow, second + j);
                            Vector256<float> k = Vector256.Create(Unsafe.Add(ref wRow, j));
                            a0 = Vector256.FusedMultiplyAdd(k, v, a0);
                            c0 = Vector256.FusedMultiplyAdd(k, u, c0);
                            k = Vector256.Create(Unsafe.Add(ref wRow, t1 + j));
                            a1 = Vector256.FusedMultiplyAdd(k, v, a1);
                            c1 = Vector256.FusedMultiplyAdd(k, u, c1);
                            k = Vector256.Create(Unsafe.Add(ref wRow, t2 + j));
                            a2 = Vector256.FusedMultiplyAdd(k, v, a2);
                            c2 = Vector256.FusedMultiplyAdd(k, u, c2);
                            k = Vector256.Create(Unsafe.Add(ref wRow, t3 + j));
                            a3 = Vector256.FusedMultiplyAdd(k, v, a3);
                            c3 = Vector256.FusedMultiplyAdd(k, u, c3);
                        }

                        wRow = ref Unsafe.Add(ref wRow, s.KernelWidth);
                    }
                }

                int at = oy * ow + start;
                a0.CopyTo(y[at..]);
                a1.CopyTo(y[(plane + at)..]);
                a2.CopyTo(y[(2 * plane + at)..]);
                a3.CopyTo(y[(3 * plane + at)..]);
                if (pair)
                {
                    at += ow;
                    c0.CopyTo(y[at..]);
                    c1.CopyTo(y[(plane + at)..]);
                    c2.CopyTo(y[(2 * plane + at)..]);
                    c3.CopyTo(y[(3 * plane + at)..]);
                }
            }
        }
    }

    /// <summary>
    /// As <see cref="Forward4"/> with four output rows per pass: 16 accumulators, which only AVX-512's 32 vector
    /// registers hold (with 16, as in AVX2, they would spill). Every weight broadcast feeds 4 rows, and 16 independent
    /// chains per pass keep both FMA pipes busy through the 4-cycle latency even for lenet conv1's 25 taps.
    /// Rows past the last repeat the last (offset 0 from it) and are not stored.
    /// </summary>
    private static void Forward4x4(ref readonly float x, ref readonly float w, ReadOnlySpan<float> bias, Span<float> y, in ConvShape s)
    {
        int oh = s.OutputHeight, ow = s.OutputWidth, taps = s.Taps, plane = oh * ow;
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
                            a00 = Vector256.FusedMultiplyAdd(k, v0, a00);
                            a10 = Vector256.FusedMultiplyAdd(k, v1, a10);
                            a20 = Vector256.FusedMultiplyAdd(k, v2, a20);
                            a30 = Vector256.FusedMultiplyAdd(k, v3, a30);
                            k = Vector256.Create(Unsafe.Add(ref Unsafe.AsRef(in w), taps + tap));
                            a01 = Vector256.FusedMultiplyAdd(k, v0, a01);
                            a11 = Vector256.FusedMultiplyAdd(k, v1, a11);
                            a21 = Vector256.FusedMultiplyAdd(k, v2, a21);
                            a31 = Vector256.FusedMultiplyAdd(k, v3, a31);
                            k = Vector256.Create(Unsafe.Add(ref Unsafe.AsRef(in w), 2 * taps + tap));
                            a02 = Vector256.FusedMultiplyAdd(k, v0, a02);
                            a12 = Vector256.FusedMultiplyAdd(k, v1, a12);
                            a22 = Vector256.FusedMultiplyAdd(k, v2, a22);
                            a32 = Vector256.FusedMultiplyAdd(k, v3, a32);
                            k = Vector256.Create(Unsafe.Add(ref Unsafe.AsRef(in w), 3 * taps + tap));
                            a03 = Vector256.FusedMultiplyAdd(k, v0, a03);
                            a13 = Vector256.FusedMultiplyAdd(k, v1, a13);
                            a23 = Vector256.FusedMultiplyAdd(k, v2, a23);
                            a33 = Vector256.FusedMultiplyAdd(k, v3, a33);
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
    /// first layer, which FGSM runs (that gather has one output channel). Measured on a Zen 3 against four rows, in one
    /// process: lenet conv1 forward 0.77–0.84× the time, its input gradient 0.85–0.99×; mnist-cnn conv1's input gradient, whose
    /// 8-row passes read 38 KiB of input (32 channels × 10 rows × 30 floats), 1.03–1.07×, so it keeps four rows. Indexing
    /// in nuint (see Forward4) then took lenet conv1 forward to 0.81× and its input gradient to 0.92×.
    /// </summary>
    private static void Forward1(ref readonly float x, ref readonly float w, float bias, Span<float> y, in ConvShape s)
    {
        if ((long)s.Channels * (8 + s.KernelHeight - 1) * s.Width * sizeof(float) <= 16 * 1024)
        {
            Forward1<EightRows>(in x, in w, bias, y, s);
        }
        else
        {
            Forward1<FourRows>(in x, in w, bias, y, s);
        }
    }

    /// <summary>One output channel, <typeparamref name="TRows"/> rows per pass (4 or 8). Rows past the last repeat the
    /// last (offset 0 from it) and are not stored.</summary>
    private static void Forward1<TRows>(ref readonly float x, ref readonly float w, float bias, Span<float> y, in ConvShape s)
        where TRows : IBlockCount
    {
        int oh = s.OutputHeight, ow = s.OutputWidth;
        bool eight = TRows.Count == 8;
        for (int oy = 0; oy < oh; oy += TRows.Count)
        {
            int rows = Math.Min(TRows.Count, oh - oy);
            nuint r1 = RowOffset(1, rows, s.Width), r2 = RowOffset(2, rows, s.Width), r3 = RowOffset(3, rows, s.Width);
            nuint r4 = RowOffset(4, rows, s.Width), r5 = RowOffset(5, rows, s.Width), r6 = RowOffset(6, rows, s.Width);
            nuint r7 = RowOffset(7, rows, s.Width);
            for (int ox0 = 0; ox0 < ow; ox0 += Lanes)
            {
                int start = Math.Min(ox0, ow - Lanes);
                Vector256<float> a0 = Vector256.Create(bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                ref float wRow = ref Unsafe.AsRef(in w);       // nuint indexing, as in Forward4
                for (int c = 0; c < s.Channels; c++)
                {
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        ref float xRow = ref Unsafe.Add(ref Unsafe.AsRef(in x), (nuint)((c * s.Height + oy + i) * s.Width + start));
                        for (nuint j = 0; j < (nuint)s.KernelWidth; j++)
                        {
                            Vector256<float> k = Vector256.Create(Unsafe.Add(ref wRow, j));
                            a0 = Vector256.FusedMultiplyAdd(k, Vector256.LoadUnsafe(ref xRow, j), a0);
                            a1 = Vector256.FusedMultiplyAdd(k, Vector256.LoadUnsafe(ref xRow, j + r1), a1);
                            a2 = Vector256.FusedMultiplyAdd(k, Vector256.LoadUnsafe(ref xRow, j + r2), a2);
                            a3 = Vector256.FusedMultiplyAdd(k, Vector256.LoadUnsafe(ref xRow, j + r3), a3);
                            if (eight)
                            {
                                a4 = Vector256.FusedMultiplyAdd(k, Vector256.LoadUnsafe(ref xRow, j + r4), a4);
                                a5 = Vector256.FusedMultiplyAdd(k, Vector256.LoadUnsafe(ref xRow, j + r5), a5);
                                a6 = Vector256.FusedMultiplyAdd(k, Vector256.LoadUnsafe(ref xRow, j + r6), a6);
                                a7 = Vector256.FusedMultiplyAdd(k, Vector256.LoadUnsafe(ref xRow, j + r7), a7);
                            }
                        }

                        wRow = ref Unsafe.Add(ref wRow, s.KernelWidth);
                    }
                }

                int to = oy * ow + start;
                a0.CopyTo(y[to..]);
                StoreRow(a1, 1, rows, y, to, ow);
                StoreRow(a2, 2, rows, y, to, ow);
                StoreRow(a3, 3, rows, y, to, ow);
                StoreRow(a4, 4, rows, y, to, ow);
                StoreRow(a5, 5, rows, y, to, ow);
                StoreRow(a6, 6, rows, y, to, ow);
                StoreRow(a7, 7, rows, y, to, ow);
            }
        }
    }

    /// <summary>The input offset of row r of a pass of <paramref name="rows"/> rows: rows past the last repeat the last.</summary>
    private static nuint RowOffset(int r, int rows, int width) => (nuint)(Math.Min(r, rows - 1) * width);

    /// <summary>Stores row r of a pass at y[to + r·ow] when the pass has that row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector256<float> v, int r, int rows, Span<float> y, int to, int ow)
    {
        if (r < rows)
        {
            v.CopyTo(y[(to + r * ow)..]);
        }
    }

    /// <summary>
    /// dW[o,c,i,j] += Σ_{n,oy,ox} dy[n,o,oy,ox] · x[n,c,oy+i,ox+j] for output channels o in [firstChannel, lastChannel).
    /// Forward was y = Σ w · x, so each weight's gradient is the correlation of dy with the input it multiplied.
    /// </summary>
    /// <remarks>
    /// Register-blocked over output channels × up to 5 taps of one kernel row (j0 … j0+4): per 8-wide step, one dy
    /// vector per channel and 5 x vectors (shifted by one column each) feed channels × 5 multiply-adds into as many
    /// independent accumulators. Two channels (10 accumulators) fit AVX2's 16 registers; four (20) need AVX-512's 32.
    /// (Four channels × one tap, the earlier blocking, loaded 10 vectors for 8 multiply-adds and reloaded dy for every
    /// tap: lenet conv1's weight gradient ran at 17 GFLOP/s.) Each weight's sum is one accumulator, reduced at the end,
    /// so both blockings give the same bits.
    /// </remarks>
    public static void BackwardWeights(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
        => BackwardWeights(Simd.Width, x, dy, dw, s, firstChannel, lastChannel);

    /// <summary>As <see cref="BackwardWeights(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/>;
    /// <paramref name="width"/> 512 blocks four output channels at a time, narrower widths two.</summary>
    internal static void BackwardWeights(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in ConvShape s, int firstChannel, int lastChannel)
    {
        s.CheckLengths(x.Length, dw.Length, dy.Length, 0);
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

    /// <summary>
    /// dx[n,c,y,x] = Σ_{o,i,j} w[o,c,i,j] · dy[n,o,y−i,x−j] for the planes p = n·C + c in [firstPlane, lastPlane)
    /// (overwritten), with dy = 0 outside its OH×OW planes.
    /// </summary>
    /// <remarks>
    /// Computed as a gather, not a scatter: with dy zero-padded by KH−1 rows and KW−1 columns on every side (dyp) and the
    /// kernel flipped and transposed (wf[c,o,i,j] = w[o,c,KH−1−i,KW−1−j]), dx[n,c,y,x] = Σ_{o,i,j} wf[c,o,i,j] ·
    /// dyp[n,o,y+i,x+j]: a valid convolution of dyp with wf, which <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/> computes with its independent
    /// accumulators. (Scattering each dy element through every tap instead loads, updates and stores overlapping dx
    /// vectors, a chain through memory that ran at 7 GFLOP/s on lenet's conv1.) Sums run over o, then the taps of the
    /// flipped kernel, that is the original taps (i, j) in descending order.
    /// </remarks>
    public static void BackwardInput(ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, in ConvShape s, int firstPlane, int lastPlane)
    {
        s.CheckLengths(dx.Length, w.Length, dy.Length, 0);
        int kh = s.KernelHeight, kw = s.KernelWidth, oh = s.OutputHeight, ow = s.OutputWidth, window = kh * kw;
        int ph = oh + 2 * (kh - 1), pw = ow + 2 * (kw - 1), planeOut = oh * ow, image = s.Channels * s.Height * s.Width;
        var gather = new ConvShape(1, s.OutChannels, ph, pw, s.Channels, kh, kw);

        Span<float> flipped = Scratch(ref flippedWeights, s.Channels * s.OutChannels * window);
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

        // The padding stays zero between calls: only the interior is rewritten, so the buffer is cleared only when the
        // shape changes.
        int paddedLength = s.OutChannels * ph * pw;
        if (paddedGradient is null || paddedGradient.Length != paddedLength || paddedFor != gather)
        {
            paddedGradient = new float[paddedLength];
            paddedFor = gather;
        }

        Span<float> padded = paddedGradient;
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

            Forward(padded, flipped, [], dx.Slice(img * image, image), gather, first, last);
            plane += last - first;
        }
    }

    [ThreadStatic]
    private static float[]? flippedWeights;

    [ThreadStatic]
    private static float[]? paddedGradient;

    [ThreadStatic]
    private static ConvShape paddedFor;

    /// <summary>A thread-local scratch span of exactly <paramref name="length"/> floats (grown when needed).</summary>
    private static Span<float> Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[length];
        }

        return buffer.AsSpan(0, length);
    }

    /// <summary>Scalar reference of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvShape, int, int)"/>: the same fused multiply-adds in the same order, so bit-identical.</summary>
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
                                    acc = MathF.FusedMultiplyAdd(w[((oc * s.Channels + c) * s.KernelHeight + i) * s.KernelWidth + j], x[((img * s.Channels + c) * s.Height + oy + i) * s.Width + ox + j], acc);
                                }
                            }
                        }

                        y[((img * s.OutChannels + oc) * oh + oy) * ow + ox] = acc;
                    }
                }
            }
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

    /// <summary>A count fixed at compile time, so the JIT drops the code of the other blockings: output channels per
    /// pass of <see cref="BackwardWeights{TGroup}"/>, or output rows per pass of <see cref="Forward1{TRows}"/>.</summary>
    private interface IBlockCount
    {
        static abstract int Count { get; }
    }

    private readonly struct FourRows : IBlockCount
    {
        public static int Count => 4;
    }

    private readonly struct EightRows : IBlockCount
    {
        public static int Count => 8;
    }

    private readonly struct TwoChannels : IBlockCount
    {
        public static int Count => 2;
    }

    private readonly struct FourChannels : IBlockCount
    {
        public static int Count => 4;
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

    /// <summary>Throws when a buffer is shorter than these sizes need (the kernels' inner loops rely on it).</summary>
    public void CheckLengths(int x, int w, int y, int bias)
    {
        if (x < Images * Channels * Height * Width || w < OutChannels * Taps || y < Images * OutChannels * OutputHeight * OutputWidth
            || (bias != 0 && bias < OutChannels) || OutputWidth < 8)
        {
            throw new ArgumentException($"Buffers too small for the convolution {this}: x {x}, w {w}, y {y}, bias {bias}.");
        }
    }
}
