using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The Fast Gradient Sign Method step in pixel space.</summary>
public static class FgsmKernels
{
    /// <summary>
    /// x_adv = clamp(x + eps · sign(g), 0, 1), elementwise, with sign(0) = 0 (and sign(NaN) = 0), so pixels
    /// the loss does not depend on stay put. Per vector: two compares give masks for g &gt; 0 and g &lt; 0,
    /// their difference as ±1/0 scales eps, then Min/Max clamp to the valid pixel range.
    /// </summary>
    public static void Step(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float eps, Span<float> xAdv) => Step(Simd.Width, x, g, eps, xAdv);

    /// <summary>As <see cref="Step(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Span{float})"/> with a chosen vector width.</summary>
    public static void Step(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> g, float eps, Span<float> xAdv)
    {
        CheckLengths(x, g, xAdv);
        int i = 0;
        if (width >= SimdWidth.V512 && Vector512.IsHardwareAccelerated)
        {
            Vector512<float> e = Vector512.Create(eps), one = Vector512<float>.One;
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> gi = Vector512.Create(g[i..]);
                Vector512<float> sign = (Vector512.GreaterThan(gi, Vector512<float>.Zero) & one) - (Vector512.LessThan(gi, Vector512<float>.Zero) & one);
                Vector512<float> v = Vector512.Create(x[i..]) + e * sign;
                Vector512.Min(Vector512.Max(v, Vector512<float>.Zero), one).CopyTo(xAdv[i..]);
            }
        }

        if (width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            Vector256<float> e = Vector256.Create(eps), one = Vector256<float>.One;
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> gi = Vector256.Create(g[i..]);
                Vector256<float> sign = (Vector256.GreaterThan(gi, Vector256<float>.Zero) & one) - (Vector256.LessThan(gi, Vector256<float>.Zero) & one);
                Vector256<float> v = Vector256.Create(x[i..]) + e * sign;
                Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), one).CopyTo(xAdv[i..]);
            }
        }

        if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
        {
            Vector128<float> e = Vector128.Create(eps), one = Vector128<float>.One;
            for (; i <= x.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> gi = Vector128.Create(g[i..]);
                Vector128<float> sign = (Vector128.GreaterThan(gi, Vector128<float>.Zero) & one) - (Vector128.LessThan(gi, Vector128<float>.Zero) & one);
                Vector128<float> v = Vector128.Create(x[i..]) + e * sign;
                Vector128.Min(Vector128.Max(v, Vector128<float>.Zero), one).CopyTo(xAdv[i..]);
            }
        }

        StepReference(x[i..], g[i..], eps, xAdv[i..]);
    }

    /// <summary>Scalar reference: x_adv[i] = min(max(x[i] + eps · sign(g[i]), 0), 1) with sign(0) = 0.</summary>
    public static void StepReference(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float eps, Span<float> xAdv)
    {
        CheckLengths(x, g, xAdv);
        for (int i = 0; i < x.Length; i++)
        {
            float sign = g[i] > 0f ? 1f : g[i] < 0f ? -1f : 0f;
            xAdv[i] = Math.Min(Math.Max(x[i] + eps * sign, 0f), 1f);
        }
    }

    private static void CheckLengths(ReadOnlySpan<float> x, ReadOnlySpan<float> g, ReadOnlySpan<float> xAdv)
    {
        if (g.Length != x.Length || xAdv.Length != x.Length)
        {
            throw new ArgumentException($"Length mismatch: x {x.Length}, g {g.Length}, x_adv {xAdv.Length}.");
        }
    }
}
