using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>2×2, stride-2 max pooling of one output row, with the flat index of each window's maximum.</summary>
public static class MaxPoolKernels
{
    /// <summary>
    /// For ox &lt; y.Length: y[ox] = max(r0[2ox], r0[2ox+1], r1[2ox], r1[2ox+1]) and arg[ox] = topIndex + the offset of
    /// that maximum (0, 1, w, w + 1), where r0 and r1 are two consecutive input rows (r1 starts w floats after r0, and
    /// r0[0] is element <paramref name="topIndex"/> of the input). On ties the first in row-major order wins (strictly
    /// greater replaces), as in PyTorch. NaN is not propagated (PyTorch does): a NaN input wins only as the window's first element. Both rows need at least 2·y.Length elements; pass longer spans (the rest of the input) to let the vector loop run to the end.
    /// </summary>
    /// <remarks>
    /// SIMD without shuffles: vectors loaded at column j and at j + 1 put each window's four candidates in the same lane at
    /// every even j; three compare-and-selects merge them in row-major order. The even lanes hold the answers, and
    /// narrowing each 64-bit pair to its low 32 bits (little-endian: the even element) packs them into one vector of
    /// outputs. The loads at j + 1 read one float past the last window (its value lands in an odd lane and is
    /// discarded), so the vector loop runs while that float is still inside the spans. A row whose width is not a
    /// multiple of 8 ends with one more 8-wide step that overlaps the last (recomputing the same values), then 4-wide
    /// steps with 128-bit vectors (the whole row where 128 bits is the widest width), and a scalar tail finishes what
    /// the spans do not leave room for.
    /// </remarks>
    public static void Pool2x2Row(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int w, int topIndex, Span<float> y, Span<int> arg)
        => Pool2x2Row(Simd.Width, r0, r1, w, topIndex, y, arg);

    /// <summary>As <see cref="Pool2x2Row(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{int})"/> with a chosen width.</summary>
    public static void Pool2x2Row(SimdWidth width, ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int w, int topIndex, Span<float> y, Span<int> arg)
    {
        int ow = y.Length, ox = 0;
        if (r0.Length < 2 * ow || r1.Length < 2 * ow || arg.Length < ow)
        {
            throw new ArgumentException($"Rows of {r0.Length} and {r1.Length} floats cannot hold {ow} windows.");
        }

        if (width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            for (; ox + 8 <= ow && 2 * ox + 17 <= r0.Length && 2 * ox + 17 <= r1.Length; ox += 8)
            {
                Pool8(r0, r1, w, topIndex, ox, y, arg);
            }

            // A row whose width is not a multiple of 8 (12 in both MNIST models) ends with one more vector of 8 windows
            // that overlaps the last one: the overlapping windows are recomputed to the same values.
            if (ox < ow && ow >= 8 && 2 * ow + 1 <= r0.Length && 2 * ow + 1 <= r1.Length)
            {
                Pool8(r0, r1, w, topIndex, ow - 8, y, arg);
                ox = ow;
            }
        }

        if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
        {
            // The same with 4 windows per step: the rest of a row, a narrow row (lenet's pool2 is 4 wide), or every row
            // where 128 bits is the widest vector (Arm64's NEON).
            for (; ox + 4 <= ow && 2 * ox + 9 <= r0.Length && 2 * ox + 9 <= r1.Length; ox += 4)
            {
                Pool4(r0, r1, w, topIndex, ox, y, arg);
            }

            if (ox < ow && ow >= 4 && 2 * ow + 1 <= r0.Length && 2 * ow + 1 <= r1.Length)
            {
                Pool4(r0, r1, w, topIndex, ow - 4, y, arg);
                ox = ow;
            }
        }

        Pool2x2RowReference(r0[(2 * ox)..], r1[(2 * ox)..], w, topIndex + 2 * ox, y[ox..], arg[ox..]);
    }

    /// <summary>The scalar reference.</summary>
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

    /// <summary>Windows ox .. ox + 7: two merged vectors narrowed to their even lanes.</summary>
    private static void Pool8(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int w, int topIndex, int ox, Span<float> y, Span<int> arg)
    {
        int j = 2 * ox;
        Vector256<int> lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        (Vector256<float> m0, Vector256<int> i0) = Merge(r0, r1, j, w, Vector256.Create(topIndex + j) + lane);
        (Vector256<float> m1, Vector256<int> i1) = Merge(r0, r1, j + 8, w, Vector256.Create(topIndex + j + 8) + lane);
        Vector256.Narrow(m0.AsUInt64(), m1.AsUInt64()).AsSingle().CopyTo(y[ox..]);
        Vector256.Narrow(i0.AsUInt64(), i1.AsUInt64()).AsInt32().CopyTo(arg[ox..]);
    }

    /// <summary>Windows ox .. ox + 3 with 128-bit vectors.</summary>
    private static void Pool4(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int w, int topIndex, int ox, Span<float> y, Span<int> arg)
    {
        int j = 2 * ox;
        Vector128<int> lane = Vector128.Create(0, 1, 2, 3);
        (Vector128<float> m0, Vector128<int> i0) = Merge128(r0, r1, j, w, Vector128.Create(topIndex + j) + lane);
        (Vector128<float> m1, Vector128<int> i1) = Merge128(r0, r1, j + 4, w, Vector128.Create(topIndex + j + 4) + lane);
        Vector128.Narrow(m0.AsUInt64(), m1.AsUInt64()).AsSingle().CopyTo(y[ox..]);
        Vector128.Narrow(i0.AsUInt64(), i1.AsUInt64()).AsInt32().CopyTo(arg[ox..]);
    }

    /// <summary>As <see cref="Merge"/> with 128-bit vectors.</summary>
    private static (Vector128<float> Max, Vector128<int> Index) Merge128(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int j, int w, Vector128<int> index)
    {
        Vector128<float> max = Vector128.Create(r0[j..]);
        Vector128<int> best = index;
        Vector128<float> v = Vector128.Create(r0[(j + 1)..]);
        Vector128<int> take = Vector128.GreaterThan(v, max).AsInt32();
        max = Vector128.ConditionalSelect(take.AsSingle(), v, max);
        best = Vector128.ConditionalSelect(take, index + Vector128<int>.One, best);

        v = Vector128.Create(r1[j..]);
        take = Vector128.GreaterThan(v, max).AsInt32();
        max = Vector128.ConditionalSelect(take.AsSingle(), v, max);
        best = Vector128.ConditionalSelect(take, index + Vector128.Create(w), best);

        v = Vector128.Create(r1[(j + 1)..]);
        take = Vector128.GreaterThan(v, max).AsInt32();
        max = Vector128.ConditionalSelect(take.AsSingle(), v, max);
        best = Vector128.ConditionalSelect(take, index + Vector128.Create(w + 1), best);
        return (max, best);
    }

    /// <summary>Lanes at even j: the window starting at column j, merged in row-major order (strictly greater replaces).</summary>
    private static (Vector256<float> Max, Vector256<int> Index) Merge(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int j, int w, Vector256<int> index)
    {
        Vector256<float> max = Vector256.Create(r0[j..]);
        Vector256<int> best = index;
        Vector256<float> v = Vector256.Create(r0[(j + 1)..]);
        Vector256<int> take = Vector256.GreaterThan(v, max).AsInt32();
        max = Vector256.ConditionalSelect(take.AsSingle(), v, max);
        best = Vector256.ConditionalSelect(take, index + Vector256<int>.One, best);

        v = Vector256.Create(r1[j..]);
        take = Vector256.GreaterThan(v, max).AsInt32();
        max = Vector256.ConditionalSelect(take.AsSingle(), v, max);
        best = Vector256.ConditionalSelect(take, index + Vector256.Create(w), best);

        v = Vector256.Create(r1[(j + 1)..]);
        take = Vector256.GreaterThan(v, max).AsInt32();
        max = Vector256.ConditionalSelect(take.AsSingle(), v, max);
        best = Vector256.ConditionalSelect(take, index + Vector256.Create(w + 1), best);
        return (max, best);
    }
}
