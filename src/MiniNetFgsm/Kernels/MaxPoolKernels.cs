using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>2×2, stride-2 max pooling of whole planes, with the flat index of each window's maximum.</summary>
public static class MaxPoolKernels
{
    /// <summary>
    /// For the planes p in [firstPlane, lastPlane) of x, each (H, W), and every window (oy, ox) with oy &lt; H / 2 and
    /// ox &lt; W / 2: y[p, oy, ox] = the largest of x[p, 2oy + a, 2ox + b] for a, b in {0, 1}, and arg[p, oy, ox] = the
    /// flat index in x of that maximum. On ties the first in row-major order wins (strictly greater replaces), as in
    /// PyTorch. NaN is not propagated (PyTorch does): a NaN input wins only as the window's first element. A last odd
    /// row or column of a plane belongs to no window (PyTorch's floor mode).
    /// </summary>
    /// <remarks>
    /// SIMD without shuffles: vectors loaded at column j and at j + 1 put each window's four candidates in the same lane at
    /// every even j; three compare-and-selects merge them in row-major order. The even lanes hold the answers, and
    /// narrowing each 64-bit pair to its low 32 bits (little-endian: the even element) packs them into one vector of
    /// outputs. The loads at j + 1 read one float past the last window (its value lands in an odd lane and is
    /// discarded), so a vector step runs only while that float is still inside x. A row whose width is not a multiple
    /// of 8 ends with one more 8-wide step that overlaps the last (recomputing the same values), then 4-wide steps with
    /// 128-bit vectors (the whole row where 128 bits is the widest width), and a scalar tail finishes what x does not
    /// leave room for.
    /// <para>One call covers whole planes, with every loop inlined: rows are short (12 windows in both MNIST models, 4
    /// in lenet's pool2), and calling a row kernel per row, with its span slicing and checks, cost more than the
    /// pooling (lenet's pool2 ran at 8 ns per output).</para>
    /// </remarks>
    public static void Pool2x2Planes(ReadOnlySpan<float> x, int height, int width, Span<float> y, Span<int> arg, int firstPlane, int lastPlane)
        => Pool2x2Planes(Simd.Width, x, height, width, y, arg, firstPlane, lastPlane);

    /// <summary>As <see cref="Pool2x2Planes(ReadOnlySpan{float}, int, int, Span{float}, Span{int}, int, int)"/> with a chosen vector width.</summary>
    public static void Pool2x2Planes(SimdWidth simd, ReadOnlySpan<float> x, int height, int width, Span<float> y, Span<int> arg, int firstPlane, int lastPlane)
    {
        CheckPlanes(height, width, firstPlane, lastPlane, x.Length, y.Length, arg.Length);
        int oh = height / 2, ow = width / 2, planeIn = height * width, planeOut = oh * ow;
        if (planeOut == 0)
        {
            return;
        }

        bool wide = simd >= SimdWidth.V256 && Vector256.IsHardwareAccelerated && ow >= 8;
        bool narrow = simd >= SimdWidth.V128 && Vector128.IsHardwareAccelerated && ow >= 4;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref int a0 = ref MemoryMarshal.GetReference(arg);
        for (int plane = firstPlane; plane < lastPlane; plane++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                int top = plane * planeIn + 2 * oy * width, at = plane * planeOut + oy * ow;
                // A step over windows ox .. ox + L − 1 reads the second row up to column 2(ox + L): inside x while
                // top + width + 2(ox + L) < x.Length.
                int room = x.Length - top - width - 1;
                // Vector steps stay in bounds: reads of x below top + width + 2(ox + L) ≤ x.Length (room), writes of y and
                // arg at [at, at + OW), inside both (CheckPlanes).
                Debug.Assert(at + ow <= y.Length && at + ow <= arg.Length && top + width + 1 <= x.Length);
                ref float r0 = ref Unsafe.Add(ref x0, top);
                ref float yRow = ref Unsafe.Add(ref y0, at);
                ref int aRow = ref Unsafe.Add(ref a0, at);
                int ox = 0;
                if (wide)
                {
                    for (; ox + 8 <= ow && 2 * (ox + 8) <= room; ox += 8)
                    {
                        PoolEightWindows(ref r0, width, top, ox, ref yRow, ref aRow);
                    }

                    // A row whose width is not a multiple of 8 (12 in both MNIST models) ends with one more vector of 8
                    // windows that overlaps the last one: the overlapping windows are recomputed to the same values.
                    if (ox < ow && 2 * ow <= room)
                    {
                        PoolEightWindows(ref r0, width, top, ow - 8, ref yRow, ref aRow);
                        ox = ow;
                    }
                }

                if (narrow)
                {
                    // The same with 4 windows per step: the rest of a row, a narrow row (lenet's pool2 is 4 wide), or every
                    // row where 128 bits is the widest vector (Arm64's NEON).
                    for (; ox + 4 <= ow && 2 * (ox + 4) <= room; ox += 4)
                    {
                        PoolFourWindows(ref r0, width, top, ox, ref yRow, ref aRow);
                    }

                    if (ox < ow && 2 * ow <= room)
                    {
                        PoolFourWindows(ref r0, width, top, ow - 4, ref yRow, ref aRow);
                        ox = ow;
                    }
                }

                if (ox < ow)
                {
                    // What the vectors leave (narrow rows, the end of x): the plain loop.
                    Pool2x2RowReference(x[(top + 2 * ox)..], x[(top + width + 2 * ox)..], width, top + 2 * ox, y.Slice(at + ox, ow - ox), arg.Slice(at + ox, ow - ox));
                }
            }
        }
    }

    /// <summary>The scalar reference of <see cref="Pool2x2Planes(SimdWidth, ReadOnlySpan{float}, int, int, Span{float}, Span{int}, int, int)"/>, a row at a time.</summary>
    public static void Pool2x2PlanesReference(ReadOnlySpan<float> x, int height, int width, Span<float> y, Span<int> arg, int firstPlane, int lastPlane)
    {
        int oh = height / 2, ow = width / 2;
        for (int plane = firstPlane; plane < lastPlane; plane++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                int top = (plane * height + 2 * oy) * width, at = (plane * oh + oy) * ow;
                Pool2x2RowReference(x[top..], x[(top + width)..], width, top, y.Slice(at, ow), arg.Slice(at, ow));
            }
        }
    }

    /// <summary>
    /// The backward of <see cref="Pool2x2Planes(SimdWidth, ReadOnlySpan{float}, int, int, Span{float}, Span{int}, int, int)"/>
    /// for the planes p in [firstPlane, lastPlane): dx[i] = dy[window of i] where i is that window's argmax, else 0
    /// (also for a last odd row or column, which no window covers). dx is overwritten, not accumulated.
    /// </summary>
    /// <remarks>
    /// 2×2 windows at stride 2 do not overlap, so every input has at most one window and its gradient is a choice,
    /// not a sum: each input compares its own flat index with its window's argmax. With vectors, four windows'
    /// gradients and argmaxes are each duplicated into eight lanes (window k feeds columns 2k and 2k + 1) and
    /// compared with the eight inputs' indices, for both rows (as two halves where 128 bits is the widest width). One sequential write of dx replaces clearing it and
    /// scattering into it.
    /// </remarks>
    public static void Unpool2x2Planes(SimdWidth simd, ReadOnlySpan<float> dy, ReadOnlySpan<int> arg, int height, int width, Span<float> dx, int firstPlane, int lastPlane)
    {
        CheckPlanes(height, width, firstPlane, lastPlane, dx.Length, dy.Length, arg.Length);
        int oh = height / 2, ow = width / 2, planeIn = height * width, planeOut = oh * ow;
        if (planeIn == 0)
        {
            return;
        }

        bool wide = simd >= SimdWidth.V256 && Vector256.IsHardwareAccelerated;
        bool narrow = simd >= SimdWidth.V128 && Vector128.IsHardwareAccelerated;
        Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector128<int> lanes128 = Vector128.Create(0, 1, 2, 3), four = Vector128.Create(4);
        for (int plane = firstPlane; plane < lastPlane; plane++)
        {
            Span<float> dxPlane = dx.Slice(plane * planeIn, planeIn);
            for (int oy = 0; oy < oh; oy++)
            {
                int at = plane * planeOut + oy * ow, top = plane * planeIn + 2 * oy * width;
                ref float row0 = ref dxPlane[2 * oy * width];
                ref float row1 = ref Unsafe.Add(ref row0, width);
                int ox = 0;

                // Steps of four windows read dy and arg at [at + ox, at + ox + 4) ⊆ this row of windows (CheckPlanes),
                // and write dx at columns [2ox, 2ox + 8) ⊆ [0, 2·OW) of rows 2oy and 2oy + 1 of this plane.
                Debug.Assert(at + ow <= dy.Length && at + ow <= arg.Length && (2 * oy + 1) * width + 2 * ow <= planeIn);
                if (wide)
                {
                    for (; ox + 4 <= ow; ox += 4)
                    {
                        Vector128<float> d = Vector128.LoadUnsafe(in dy[at + ox]);
                        Vector128<int> a = Vector128.LoadUnsafe(in arg[at + ox]);
                        Vector256<float> dd = Vector256.Create(Vector128.Shuffle(d, Vector128.Create(0, 0, 1, 1)), Vector128.Shuffle(d, Vector128.Create(2, 2, 3, 3)));
                        Vector256<int> aa = Vector256.Create(Vector128.Shuffle(a, Vector128.Create(0, 0, 1, 1)), Vector128.Shuffle(a, Vector128.Create(2, 2, 3, 3)));
                        Vector256<int> index = Vector256.Create(top + 2 * ox) + lanes;
                        (Vector256.Equals(aa, index).AsSingle() & dd).StoreUnsafe(ref row0, (nuint)(2 * ox));
                        (Vector256.Equals(aa, index + Vector256.Create(width)).AsSingle() & dd).StoreUnsafe(ref row1, (nuint)(2 * ox));
                    }
                }
                else if (narrow)
                {
                    // The same four windows as two halves of 128 bits: windows ox, ox + 1, then ox + 2, ox + 3.
                    for (; ox + 4 <= ow; ox += 4)
                    {
                        Vector128<float> d = Vector128.LoadUnsafe(in dy[at + ox]);
                        Vector128<int> a = Vector128.LoadUnsafe(in arg[at + ox]);
                        Vector128<float> dLow = Vector128.Shuffle(d, Vector128.Create(0, 0, 1, 1)), dHigh = Vector128.Shuffle(d, Vector128.Create(2, 2, 3, 3));
                        Vector128<int> aLow = Vector128.Shuffle(a, Vector128.Create(0, 0, 1, 1)), aHigh = Vector128.Shuffle(a, Vector128.Create(2, 2, 3, 3));
                        Vector128<int> index = Vector128.Create(top + 2 * ox) + lanes128, below = Vector128.Create(width);
                        (Vector128.Equals(aLow, index).AsSingle() & dLow).StoreUnsafe(ref row0, (nuint)(2 * ox));
                        (Vector128.Equals(aHigh, index + four).AsSingle() & dHigh).StoreUnsafe(ref row0, (nuint)(2 * ox + 4));
                        (Vector128.Equals(aLow, index + below).AsSingle() & dLow).StoreUnsafe(ref row1, (nuint)(2 * ox));
                        (Vector128.Equals(aHigh, index + below + four).AsSingle() & dHigh).StoreUnsafe(ref row1, (nuint)(2 * ox + 4));
                    }
                }

                for (; ox < ow; ox++)
                {
                    float d = dy[at + ox];
                    int a = arg[at + ox], i = top + 2 * ox;
                    Unsafe.Add(ref row0, 2 * ox) = a == i ? d : 0f;
                    Unsafe.Add(ref row0, 2 * ox + 1) = a == i + 1 ? d : 0f;
                    Unsafe.Add(ref row1, 2 * ox) = a == i + width ? d : 0f;
                    Unsafe.Add(ref row1, 2 * ox + 1) = a == i + width + 1 ? d : 0f;
                }

                if (width % 2 == 1)
                {
                    // The last odd column belongs to no window.
                    Unsafe.Add(ref row0, width - 1) = 0f;
                    Unsafe.Add(ref row1, width - 1) = 0f;
                }
            }

            if (height % 2 == 1)
            {
                dxPlane[((height - 1) * width)..].Clear();      // the last odd row belongs to no window
            }
        }
    }

    /// <summary>As <see cref="Unpool2x2Planes(SimdWidth, ReadOnlySpan{float}, ReadOnlySpan{int}, int, int, Span{float}, int, int)"/> at the widest width.</summary>
    public static void Unpool2x2Planes(ReadOnlySpan<float> dy, ReadOnlySpan<int> arg, int height, int width, Span<float> dx, int firstPlane, int lastPlane)
        => Unpool2x2Planes(Simd.Width, dy, arg, height, width, dx, firstPlane, lastPlane);

    /// <summary>The scalar reference of <see cref="Unpool2x2Planes(SimdWidth, ReadOnlySpan{float}, ReadOnlySpan{int}, int, int, Span{float}, int, int)"/>:
    /// clear the planes of dx, then dx[arg[k]] += dy[k] for every window k of them.</summary>
    public static void Unpool2x2PlanesReference(ReadOnlySpan<float> dy, ReadOnlySpan<int> arg, int height, int width, Span<float> dx, int firstPlane, int lastPlane)
    {
        int planeIn = height * width, planeOut = height / 2 * (width / 2);
        dx.Slice(firstPlane * planeIn, (lastPlane - firstPlane) * planeIn).Clear();
        for (int k = firstPlane * planeOut; k < lastPlane * planeOut; k++)
        {
            dx[arg[k]] += dy[k];
        }
    }

    /// <summary>
    /// One row of windows, the plain loop: for ox &lt; y.Length, y[ox] = max(r0[2ox], r0[2ox+1], r1[2ox], r1[2ox+1]) and
    /// arg[ox] = topIndex + the offset of that maximum (0, 1, w, w + 1), where r0 and r1 are two consecutive input rows
    /// and r0[0] is element <paramref name="topIndex"/> of the input; strictly greater replaces.
    /// </summary>
    public static void Pool2x2RowReference(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int w, int topIndex, Span<float> y, Span<int> arg)
    {
        for (int ox = 0; ox < y.Length; ox++)
        {
            int j = 2 * ox;
            float max = r0[j];
            int best = topIndex + j;
            if (r0[j + 1] > max)
            {
                max = r0[j + 1];
                best = topIndex + j + 1;
            }

            if (r1[j] > max)
            {
                max = r1[j];
                best = topIndex + w + j;
            }

            if (r1[j + 1] > max)
            {
                max = r1[j + 1];
                best = topIndex + w + j + 1;
            }

            y[ox] = max;
            arg[ox] = best;
        }
    }

    /// <summary>Throws unless planes [firstPlane, lastPlane) of H×W inputs and (H/2)×(W/2) outputs fit the buffers.</summary>
    private static void CheckPlanes(int height, int width, int firstPlane, int lastPlane, int inputs, int outputs, int argmaxes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(firstPlane);
        ArgumentOutOfRangeException.ThrowIfLessThan(lastPlane, firstPlane);
        long needIn = (long)lastPlane * height * width, needOut = (long)lastPlane * (height / 2) * (width / 2);
        if (needIn > inputs || needOut > outputs || needOut > argmaxes)
        {
            throw new ArgumentException($"Planes up to {lastPlane} of {height}x{width} need {needIn} inputs and {needOut} outputs and argmaxes; the buffers hold {inputs}, {outputs} and {argmaxes}.");
        }
    }

    /// <summary>Windows ox .. ox + 7 of the row pair at r0 (flat index top): two merged 256-bit vectors narrowed to their even lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolEightWindows(ref float r0, int w, int top, int ox, ref float y, ref int arg)
    {
        int j = 2 * ox;
        Vector256<int> lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        (Vector256<float> m0, Vector256<int> i0) = MaxOfWindowsAtEvenLanes(ref Unsafe.Add(ref r0, j), w, Vector256.Create(top + j) + lane);
        (Vector256<float> m1, Vector256<int> i1) = MaxOfWindowsAtEvenLanes(ref Unsafe.Add(ref r0, j + 8), w, Vector256.Create(top + j + 8) + lane);
        Vector256.Narrow(m0.AsUInt64(), m1.AsUInt64()).AsSingle().StoreUnsafe(ref y, (nuint)ox);
        Vector256.Narrow(i0.AsUInt64(), i1.AsUInt64()).AsInt32().StoreUnsafe(ref arg, (nuint)ox);
    }

    /// <summary>Windows ox .. ox + 3, as <see cref="PoolEightWindows"/> with 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolFourWindows(ref float r0, int w, int top, int ox, ref float y, ref int arg)
    {
        int j = 2 * ox;
        Vector128<int> lane = Vector128.Create(0, 1, 2, 3);
        (Vector128<float> m0, Vector128<int> i0) = MaxOfWindowsAtEvenLanes(ref Unsafe.Add(ref r0, j), w, Vector128.Create(top + j) + lane);
        (Vector128<float> m1, Vector128<int> i1) = MaxOfWindowsAtEvenLanes(ref Unsafe.Add(ref r0, j + 4), w, Vector128.Create(top + j + 4) + lane);
        Vector128.Narrow(m0.AsUInt64(), m1.AsUInt64()).AsSingle().StoreUnsafe(ref y, (nuint)ox);
        Vector128.Narrow(i0.AsUInt64(), i1.AsUInt64()).AsInt32().StoreUnsafe(ref arg, (nuint)ox);
    }

    /// <summary>
    /// Lane k at even k: the maximum of the window whose top-left corner is r0[k] (the second row w floats on) and its
    /// flat index (<paramref name="index"/> holds r0[k]'s), merged in row-major order; odd lanes hold windows straddling
    /// two, which the caller discards. 256-bit vectors: four windows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Max, Vector256<int> Index) MaxOfWindowsAtEvenLanes(ref float r0, int w, Vector256<int> index)
    {
        (Vector256<float> max, Vector256<int> best) = (Vector256.LoadUnsafe(ref r0), index);
        (max, best) = KeepStrictlyGreater(max, best, Vector256.LoadUnsafe(ref r0, 1), index + Vector256<int>.One);
        (max, best) = KeepStrictlyGreater(max, best, Vector256.LoadUnsafe(ref r0, (nuint)w), index + Vector256.Create(w));
        return KeepStrictlyGreater(max, best, Vector256.LoadUnsafe(ref r0, (nuint)w + 1), index + Vector256.Create(w + 1));
    }

    /// <summary>As the 256-bit <see cref="MaxOfWindowsAtEvenLanes(ref float, int, Vector256{int})"/> with 128-bit vectors: two windows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Max, Vector128<int> Index) MaxOfWindowsAtEvenLanes(ref float r0, int w, Vector128<int> index)
    {
        (Vector128<float> max, Vector128<int> best) = (Vector128.LoadUnsafe(ref r0), index);
        (max, best) = KeepStrictlyGreater(max, best, Vector128.LoadUnsafe(ref r0, 1), index + Vector128<int>.One);
        (max, best) = KeepStrictlyGreater(max, best, Vector128.LoadUnsafe(ref r0, (nuint)w), index + Vector128.Create(w));
        return KeepStrictlyGreater(max, best, Vector128.LoadUnsafe(ref r0, (nuint)w + 1), index + Vector128.Create(w + 1));
    }

    /// <summary>Per lane: (candidate, its index) where candidate &gt; max, else (max, best). The reference's
    /// <c>if (v &gt; max) { max = v; best = i; }</c>; a NaN candidate never replaces.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Max, Vector256<int> Index) KeepStrictlyGreater(Vector256<float> max, Vector256<int> best, Vector256<float> candidate, Vector256<int> index)
    {
        Vector256<float> take = Vector256.GreaterThan(candidate, max);
        return (Vector256.ConditionalSelect(take, candidate, max), Vector256.ConditionalSelect(take.AsInt32(), index, best));
    }

    /// <summary>As the 256-bit <see cref="KeepStrictlyGreater(Vector256{float}, Vector256{int}, Vector256{float}, Vector256{int})"/> with 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Max, Vector128<int> Index) KeepStrictlyGreater(Vector128<float> max, Vector128<int> best, Vector128<float> candidate, Vector128<int> index)
    {
        Vector128<float> take = Vector128.GreaterThan(candidate, max);
        return (Vector128.ConditionalSelect(take, candidate, max), Vector128.ConditionalSelect(take.AsInt32(), index, best));
    }
}
