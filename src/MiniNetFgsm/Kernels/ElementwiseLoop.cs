using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// The one loop per operator shape (<see cref="IBinaryOperator"/>, <see cref="ITernaryOperator"/>,
/// <see cref="IInPlaceUpdate3Operator"/>) that every elementwise kernel runs. Each loop steps through the spans with
/// the widest vectors the <see cref="SimdWidth"/> argument allows, runs what is left with each narrower width in turn (at most
/// one vector each), and finishes the last 0–3 elements with the scalar Invoke. A length-0 call does nothing.
/// </summary>
/// <remarks>
/// Loads and stores go through refs at an unsigned element offset (<c>LoadUnsafe(ref start, i)</c>): slicing three
/// or four spans per vector, with their bounds checks, made such a loop several times slower on data in L1. The
/// bound each vector access relies on is the loop condition, restated by a <see cref="Debug.Assert(bool)"/>; the
/// lengths themselves are checked once per call. An output may be the same span as an input (every element is read
/// before it is written), but not a shifted view of it.
/// </remarks>
internal static class ElementwiseLoop
{
    /// <summary>result[i] = op(x[i], y[i]) for every i.</summary>
    /// <exception cref="ArgumentException">The three spans differ in length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary<TOp>(SimdWidth width, TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> result)
        where TOp : struct, IBinaryOperator
    {
        if (y.Length != x.Length || result.Length != x.Length)
        {
            ThrowLengths(x.Length, y.Length, result.Length);
        }

        ref float xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y), rs = ref MemoryMarshal.GetReference(result);
        nuint n = (nuint)x.Length, i = 0;
        if (width >= SimdWidth.V512 && Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector512<float>.Count <= n);
                op.Invoke(Vector512.LoadUnsafe(ref xs, i), Vector512.LoadUnsafe(ref ys, i)).StoreUnsafe(ref rs, i);
            }
        }

        if (width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector256<float>.Count <= n);
                op.Invoke(Vector256.LoadUnsafe(ref xs, i), Vector256.LoadUnsafe(ref ys, i)).StoreUnsafe(ref rs, i);
            }
        }

        if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector128<float>.Count <= n);
                op.Invoke(Vector128.LoadUnsafe(ref xs, i), Vector128.LoadUnsafe(ref ys, i)).StoreUnsafe(ref rs, i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rs, i) = op.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
        }
    }

    /// <summary>result[i] = op(x[i], y[i], z[i]) for every i.</summary>
    /// <exception cref="ArgumentException">The four spans differ in length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ternary<TOp>(SimdWidth width, TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> result)
        where TOp : struct, ITernaryOperator
    {
        if (y.Length != x.Length || z.Length != x.Length || result.Length != x.Length)
        {
            ThrowLengths(x.Length, y.Length, z.Length, result.Length);
        }

        ref float xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y), zs = ref MemoryMarshal.GetReference(z);
        ref float rs = ref MemoryMarshal.GetReference(result);
        nuint n = (nuint)x.Length, i = 0;
        if (width >= SimdWidth.V512 && Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector512<float>.Count <= n);
                op.Invoke(Vector512.LoadUnsafe(ref xs, i), Vector512.LoadUnsafe(ref ys, i), Vector512.LoadUnsafe(ref zs, i)).StoreUnsafe(ref rs, i);
            }
        }

        if (width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector256<float>.Count <= n);
                op.Invoke(Vector256.LoadUnsafe(ref xs, i), Vector256.LoadUnsafe(ref ys, i), Vector256.LoadUnsafe(ref zs, i)).StoreUnsafe(ref rs, i);
            }
        }

        if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector128<float>.Count <= n);
                op.Invoke(Vector128.LoadUnsafe(ref xs, i), Vector128.LoadUnsafe(ref ys, i), Vector128.LoadUnsafe(ref zs, i)).StoreUnsafe(ref rs, i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rs, i) = op.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i), Unsafe.Add(ref zs, i));
        }
    }

    /// <summary>op(ref a[i], ref b[i], ref c[i], x[i]) for every i: three state spans updated in place from one input.</summary>
    /// <exception cref="ArgumentException">The four spans differ in length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InPlaceUpdate3<TOp>(SimdWidth width, TOp op, Span<float> a, Span<float> b, Span<float> c, ReadOnlySpan<float> x)
        where TOp : struct, IInPlaceUpdate3Operator
    {
        if (b.Length != a.Length || c.Length != a.Length || x.Length != a.Length)
        {
            ThrowLengths(a.Length, b.Length, c.Length, x.Length);
        }

        ref float @as = ref MemoryMarshal.GetReference(a), bs = ref MemoryMarshal.GetReference(b), cs = ref MemoryMarshal.GetReference(c);
        ref float xs = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)a.Length, i = 0;
        if (width >= SimdWidth.V512 && Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector512<float>.Count <= n);
                Vector512<float> va = Vector512.LoadUnsafe(ref @as, i), vb = Vector512.LoadUnsafe(ref bs, i), vc = Vector512.LoadUnsafe(ref cs, i);
                op.Invoke(ref va, ref vb, ref vc, Vector512.LoadUnsafe(ref xs, i));
                va.StoreUnsafe(ref @as, i);
                vb.StoreUnsafe(ref bs, i);
                vc.StoreUnsafe(ref cs, i);
            }
        }

        if (width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector256<float>.Count <= n);
                Vector256<float> va = Vector256.LoadUnsafe(ref @as, i), vb = Vector256.LoadUnsafe(ref bs, i), vc = Vector256.LoadUnsafe(ref cs, i);
                op.Invoke(ref va, ref vb, ref vc, Vector256.LoadUnsafe(ref xs, i));
                va.StoreUnsafe(ref @as, i);
                vb.StoreUnsafe(ref bs, i);
                vc.StoreUnsafe(ref cs, i);
            }
        }

        if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
            {
                Debug.Assert(i + (nuint)Vector128<float>.Count <= n);
                Vector128<float> va = Vector128.LoadUnsafe(ref @as, i), vb = Vector128.LoadUnsafe(ref bs, i), vc = Vector128.LoadUnsafe(ref cs, i);
                op.Invoke(ref va, ref vb, ref vc, Vector128.LoadUnsafe(ref xs, i));
                va.StoreUnsafe(ref @as, i);
                vb.StoreUnsafe(ref bs, i);
                vc.StoreUnsafe(ref cs, i);
            }
        }

        for (; i < n; i++)
        {
            op.Invoke(ref Unsafe.Add(ref @as, i), ref Unsafe.Add(ref bs, i), ref Unsafe.Add(ref cs, i), Unsafe.Add(ref xs, i));
        }
    }

    [DoesNotReturn]
    private static void ThrowLengths(params ReadOnlySpan<int> lengths)
        => throw new ArgumentException($"Length mismatch: the spans hold {string.Join(", ", lengths.ToArray())} elements.");
}
