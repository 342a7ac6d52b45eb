using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The projected signed-gradient step of BIM and PGD under an L∞ budget, and PGD's random start.</summary>
public static class ProjectedStepKernels
{
    /// <summary>
    /// x_next = clamp(clamp(x_i + α · sign(g), x − eps, x + eps), 0, 1), elementwise, with sign(0) = sign(NaN) = 0:
    /// one ascent step from the current iterate x_i, projected back onto the L∞ ball of radius eps around the clean
    /// image x and then onto the pixel box [0, 1]. Because x ∈ [0, 1], the second clamp keeps the point inside the ball.
    /// <paramref name="xNext"/> may be the same span as <paramref name="xi"/> (an in-place update).
    /// </summary>
    /// <remarks>
    /// With x_i = x and α = eps this is bit for bit <see cref="FgsmKernels.Step(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Span{float})"/>:
    /// v = x + eps·s is computed the same way, and it equals x + eps or x − eps exactly (s = ±1; the ball's edges are
    /// rounded from the same sums) or x (s = 0), so the ball clamp leaves it unchanged; the box clamp is FGSM's Min(Max(v, 0), 1).
    /// </remarks>
    public static void Step(ReadOnlySpan<float> x, ReadOnlySpan<float> xi, ReadOnlySpan<float> g, float alpha, float eps, Span<float> xNext)
        => Step(Simd.Width, x, xi, g, alpha, eps, xNext);

    /// <summary>As <see cref="Step(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, float, Span{float})"/> with a chosen vector width.</summary>
    public static void Step(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> xi, ReadOnlySpan<float> g, float alpha, float eps, Span<float> xNext)
    {
        CheckLengths(x, xi, g, xNext);
        int i = 0;
        if (width >= SimdWidth.V512 && Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a = Vector512.Create(alpha), e = Vector512.Create(eps), one = Vector512<float>.One;
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> gi = Vector512.Create(g[i..]), x0 = Vector512.Create(x[i..]);
                Vector512<float> sign = (Vector512.GreaterThan(gi, Vector512<float>.Zero) & one) - (Vector512.LessThan(gi, Vector512<float>.Zero) & one);
                Vector512<float> v = Vector512.Create(xi[i..]) + a * sign;
                v = Vector512.Min(Vector512.Max(v, x0 - e), x0 + e);
                Vector512.Min(Vector512.Max(v, Vector512<float>.Zero), one).CopyTo(xNext[i..]);
            }
        }

        if (width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a = Vector256.Create(alpha), e = Vector256.Create(eps), one = Vector256<float>.One;
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> gi = Vector256.Create(g[i..]), x0 = Vector256.Create(x[i..]);
                Vector256<float> sign = (Vector256.GreaterThan(gi, Vector256<float>.Zero) & one) - (Vector256.LessThan(gi, Vector256<float>.Zero) & one);
                Vector256<float> v = Vector256.Create(xi[i..]) + a * sign;
                v = Vector256.Min(Vector256.Max(v, x0 - e), x0 + e);
                Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), one).CopyTo(xNext[i..]);
            }
        }

        if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
        {
            Vector128<float> a = Vector128.Create(alpha), e = Vector128.Create(eps), one = Vector128<float>.One;
            for (; i <= x.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> gi = Vector128.Create(g[i..]), x0 = Vector128.Create(x[i..]);
                Vector128<float> sign = (Vector128.GreaterThan(gi, Vector128<float>.Zero) & one) - (Vector128.LessThan(gi, Vector128<float>.Zero) & one);
                Vector128<float> v = Vector128.Create(xi[i..]) + a * sign;
                v = Vector128.Min(Vector128.Max(v, x0 - e), x0 + e);
                Vector128.Min(Vector128.Max(v, Vector128<float>.Zero), one).CopyTo(xNext[i..]);
            }
        }

        StepReference(x[i..], xi[i..], g[i..], alpha, eps, xNext[i..]);
    }

    /// <summary>Scalar reference: x_next[i] = min(max(min(max(x_i[i] + α · sign(g[i]), x[i] − eps), x[i] + eps), 0), 1), sign(0) = 0.</summary>
    public static void StepReference(ReadOnlySpan<float> x, ReadOnlySpan<float> xi, ReadOnlySpan<float> g, float alpha, float eps, Span<float> xNext)
    {
        CheckLengths(x, xi, g, xNext);
        for (int i = 0; i < x.Length; i++)
        {
            float sign = g[i] > 0f ? 1f : g[i] < 0f ? -1f : 0f;
            float v = Math.Min(Math.Max(xi[i] + alpha * sign, x[i] - eps), x[i] + eps);
            xNext[i] = Math.Min(Math.Max(v, 0f), 1f);
        }
    }

    /// <summary>
    /// PGD's random start: start[i] = clamp(x[i] + eps · (2u − 1), 0, 1) with u uniform in [0, 1) on a 2⁻²⁴ grid
    /// (the top 24 bits of one <see cref="Xoshiro128"/> draw per pixel), so the noise is uniform in [−eps, eps).
    /// Scalar on purpose: the draws are sequential, and the result depends only on the generator's state.
    /// </summary>
    public static void RandomStart(ReadOnlySpan<float> x, float eps, ref Xoshiro128 random, Span<float> start)
    {
        if (start.Length != x.Length)
        {
            throw new ArgumentException($"Length mismatch: x {x.Length}, start {start.Length}.");
        }

        for (int i = 0; i < x.Length; i++)
        {
            float u = (random.NextUInt32() >> 8) * (1f / (1 << 24));
            start[i] = Math.Min(Math.Max(x[i] + eps * (2f * u - 1f), 0f), 1f);
        }
    }

    private static void CheckLengths(ReadOnlySpan<float> x, ReadOnlySpan<float> xi, ReadOnlySpan<float> g, ReadOnlySpan<float> xNext)
    {
        if (xi.Length != x.Length || g.Length != x.Length || xNext.Length != x.Length)
        {
            throw new ArgumentException($"Length mismatch: x {x.Length}, x_i {xi.Length}, g {g.Length}, x_next {xNext.Length}.");
        }
    }
}
