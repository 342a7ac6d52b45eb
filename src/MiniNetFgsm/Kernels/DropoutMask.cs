using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// Inverted-dropout masks from eight xoshiro128** generators side by side, one per lane of a 256-bit vector: element i
/// of a mask takes the next value of generator i mod 8. Each generator is a <see cref="Xoshiro128"/> stream of the seed
/// (<see cref="Xoshiro128.ForStream"/>, stream = lane), so the masks depend only on the seed and on the lengths filled,
/// on every CPU and at every SIMD width. One scalar generator (the previous design) was a chain of dependent steps,
/// about 2.5 ns per element, which made the mask cost more than the multiply it feeds. Where 128 bits is the widest
/// width, the eight generators step as two vectors of four, with the same results.
/// </summary>
public struct DropoutMask
{
    private const int Lanes = 8;
    private Vector256<uint> s0, s1, s2, s3;

    /// <summary>Seeds the eight generators from <paramref name="seed"/>.</summary>
    public DropoutMask(int seed)
    {
        Span<uint> a = stackalloc uint[Lanes], b = stackalloc uint[Lanes], c = stackalloc uint[Lanes], d = stackalloc uint[Lanes];
        for (int lane = 0; lane < Lanes; lane++)
        {
            (a[lane], b[lane], c[lane], d[lane]) = Xoshiro128.ForStream(seed, lane, 0).State;
        }

        s0 = Vector256.Create<uint>(a);
        s1 = Vector256.Create<uint>(b);
        s2 = Vector256.Create<uint>(c);
        s3 = Vector256.Create<uint>(d);
    }

    /// <summary>The number of 32-bit words <see cref="SaveState"/> writes: four state words for each of the eight lanes.</summary>
    internal const int StateWords = 4 * Lanes;

    /// <summary>Copies the generators' state into <paramref name="state"/> (<see cref="StateWords"/> words: s0 of lanes 0..7, then s1, s2, s3).</summary>
    internal readonly void SaveState(Span<uint> state)
    {
        s0.CopyTo(state);
        s1.CopyTo(state[Lanes..]);
        s2.CopyTo(state[(2 * Lanes)..]);
        s3.CopyTo(state[(3 * Lanes)..]);
    }

    /// <summary>The generators in the state <see cref="SaveState"/> wrote: the masks continue exactly where those left off.</summary>
    internal static DropoutMask FromState(ReadOnlySpan<uint> state)
    {
        if (state.Length != StateWords)
        {
            throw new ArgumentException($"A dropout generator state is {StateWords} words long (got {state.Length}).", nameof(state));
        }

        var mask = default(DropoutMask);
        mask.s0 = Vector256.Create(state[..Lanes]);
        mask.s1 = Vector256.Create(state.Slice(Lanes, Lanes));
        mask.s2 = Vector256.Create(state.Slice(2 * Lanes, Lanes));
        mask.s3 = Vector256.Create(state.Slice(3 * Lanes, Lanes));
        return mask;
    }

    /// <summary>
    /// mask[i] = <paramref name="keep"/> when generator i mod 8's next value u satisfies u ≥ <paramref name="threshold"/>,
    /// else 0. Every call advances all eight generators by ⌈length / 8⌉ steps (the values past the end are dropped), so
    /// the next call continues the same eight sequences.
    /// </summary>
    public void Fill(Span<float> mask, uint threshold, float keep) => Fill(Simd.Width, mask, threshold, keep);

    /// <summary>As <see cref="Fill(Span{float}, uint, float)"/> with a chosen vector width (every width gives the same
    /// masks).</summary>
    internal void Fill(SimdWidth width, Span<float> mask, uint threshold, float keep)
    {
        if (width < SimdWidth.V256 || !Vector256.IsHardwareAccelerated)
        {
            if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
            {
                Fill128(mask, threshold, keep);
            }
            else
            {
                FillReference(mask, threshold, keep);
            }

            return;
        }

        // The state lives in locals while the loop runs: as fields of this struct (itself a field of the layer) it would
        // be stored and reloaded around every store into the mask, which might alias it.
        Vector256<uint> a = s0, b = s1, c = s2, d = s3;
        Vector256<uint> limit = Vector256.Create(threshold);
        Vector256<float> kept = Vector256.Create(keep);
        ref float start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(mask);
        int i = 0;
        for (; i <= mask.Length - Lanes; i += Lanes)
        {
            Vector256<uint> u = Next(ref a, ref b, ref c, ref d);
            Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(u, limit).AsSingle(), kept, Vector256<float>.Zero).StoreUnsafe(ref start, (nuint)i);
        }

        if (i < mask.Length)
        {
            Vector256<uint> u = Next(ref a, ref b, ref c, ref d);
            for (int lane = 0; i < mask.Length; i++, lane++)
            {
                mask[i] = u.GetElement(lane) >= threshold ? keep : 0f;
            }
        }

        (s0, s1, s2, s3) = (a, b, c, d);
    }

    /// <summary>
    /// <see cref="Fill(Span{float}, uint, float)"/> with 128-bit vectors: generators 0 … 3 in one vector and 4 … 7 in
    /// another, each step of the eight stored as two vectors of four mask elements.
    /// </summary>
    private void Fill128(Span<float> mask, uint threshold, float keep)
    {
        // The 256-bit state split into halves once per call (no 256-bit arithmetic here: it may not be accelerated).
        Vector128<uint> a0 = s0.GetLower(), a1 = s0.GetUpper(), b0 = s1.GetLower(), b1 = s1.GetUpper();
        Vector128<uint> c0 = s2.GetLower(), c1 = s2.GetUpper(), d0 = s3.GetLower(), d1 = s3.GetUpper();
        Vector128<uint> limit = Vector128.Create(threshold);
        Vector128<float> kept = Vector128.Create(keep);
        ref float start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(mask);
        int i = 0;
        for (; i <= mask.Length - Lanes; i += Lanes)
        {
            Vector128<uint> u0 = Next(ref a0, ref b0, ref c0, ref d0), u1 = Next(ref a1, ref b1, ref c1, ref d1);
            Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(u0, limit).AsSingle(), kept, Vector128<float>.Zero).StoreUnsafe(ref start, (nuint)i);
            Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(u1, limit).AsSingle(), kept, Vector128<float>.Zero).StoreUnsafe(ref start, (nuint)(i + 4));
        }

        if (i < mask.Length)
        {
            Vector128<uint> u0 = Next(ref a0, ref b0, ref c0, ref d0), u1 = Next(ref a1, ref b1, ref c1, ref d1);
            for (int lane = 0; i < mask.Length; i++, lane++)
            {
                mask[i] = (lane < 4 ? u0.GetElement(lane) : u1.GetElement(lane - 4)) >= threshold ? keep : 0f;
            }
        }

        (s0, s1, s2, s3) = (Vector256.Create(a0, a1), Vector256.Create(b0, b1), Vector256.Create(c0, c1), Vector256.Create(d0, d1));
    }

    /// <summary>The scalar reference of <see cref="Fill(Span{float}, uint, float)"/>: the same eight streams as <see cref="Xoshiro128"/> generators,
    /// stepped one lane at a time.</summary>
    public void FillReference(Span<float> mask, uint threshold, float keep)
    {
        Span<Xoshiro128> lanes = stackalloc Xoshiro128[Lanes];
        for (int lane = 0; lane < Lanes; lane++)
        {
            lanes[lane] = new Xoshiro128(s0.GetElement(lane), s1.GetElement(lane), s2.GetElement(lane), s3.GetElement(lane));
        }

        for (int start = 0; start < mask.Length; start += Lanes)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                uint u = lanes[lane].NextUInt32();
                if (start + lane < mask.Length)
                {
                    mask[start + lane] = u >= threshold ? keep : 0f;
                }
            }
        }

        Span<uint> a = stackalloc uint[Lanes], b = stackalloc uint[Lanes], c = stackalloc uint[Lanes], d = stackalloc uint[Lanes];
        for (int lane = 0; lane < Lanes; lane++)
        {
            (a[lane], b[lane], c[lane], d[lane]) = lanes[lane].State;
        }

        (s0, s1, s2, s3) = (Vector256.Create<uint>(a), Vector256.Create<uint>(b), Vector256.Create<uint>(c), Vector256.Create<uint>(d));
    }

    /// <summary>One xoshiro128** step of all eight generators, state (s0, s1, s2, s3) = (a, b, c, d).</summary>
    private static Vector256<uint> Next(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        Vector256<uint> result = Rotate(b * 5, 7) * 9, t = Vector256.ShiftLeft(b, 9);
        c ^= a;
        d ^= b;
        b ^= c;
        a ^= d;
        c ^= t;
        d = Rotate(d, 11);
        return result;
    }

    /// <summary>As the 256-bit <see cref="Next(ref Vector256{uint}, ref Vector256{uint}, ref Vector256{uint}, ref Vector256{uint})"/> for four generators.</summary>
    private static Vector128<uint> Next(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        Vector128<uint> result = Rotate(b * 5, 7) * 9, t = Vector128.ShiftLeft(b, 9);
        c ^= a;
        d ^= b;
        b ^= c;
        a ^= d;
        c ^= t;
        d = Rotate(d, 11);
        return result;
    }

    private static Vector128<uint> Rotate(Vector128<uint> value, int bits) => Vector128.ShiftLeft(value, bits) | Vector128.ShiftRightLogical(value, 32 - bits);

    private static Vector256<uint> Rotate(Vector256<uint> value, int bits) => Vector256.ShiftLeft(value, bits) | Vector256.ShiftRightLogical(value, 32 - bits);
}
