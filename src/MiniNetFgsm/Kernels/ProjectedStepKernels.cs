using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The projected signed-gradient step of BIM and PGD under an L∞ budget, and PGD's random start.</summary>
public static class ProjectedStepKernels
{
    /// <summary>
    /// x_next = clamp(clamp(x_i + α · sign(g), x − eps, x + eps), 0, 1), elementwise, with sign(0) = sign(NaN) = 0:
    /// one ascent step from the current iterate x_i, projected back onto the L∞ ball of radius eps around the clean
    /// image x and then onto the pixel box [0, 1]. Because x ∈ [0, 1], the second clamp keeps the point inside the ball.
    /// Products and sums are rounded separately (no fused multiply-add), so every width gives the reference's bits.
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
        ElementwiseLoop.Ternary(width, new ProjectedStepOperator(alpha, eps), x, xi, g, xNext);
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

/// <summary>
/// The projected step for one element or lane: (x, x_i, g) → min(max(min(max(x_i + α · sign(g), x − eps), x + eps), 0), 1),
/// with sign(0) = sign(−0) = sign(NaN) = 0 (<see cref="FgsmStepOperator.Sign(float)"/>).
/// </summary>
internal readonly struct ProjectedStepOperator(float alpha, float eps) : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float xi, float g)
    {
        float v = Math.Min(Math.Max(xi + alpha * FgsmStepOperator.Sign(g), x - eps), x + eps);
        return Math.Min(Math.Max(v, 0f), 1f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> xi, Vector128<float> g)
    {
        Vector128<float> e = Vector128.Create(eps);
        Vector128<float> v = Vector128.Min(Vector128.Max(xi + Vector128.Create(alpha) * FgsmStepOperator.Sign(g), x - e), x + e);
        return Vector128.Min(Vector128.Max(v, Vector128<float>.Zero), Vector128<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> xi, Vector256<float> g)
    {
        Vector256<float> e = Vector256.Create(eps);
        Vector256<float> v = Vector256.Min(Vector256.Max(xi + Vector256.Create(alpha) * FgsmStepOperator.Sign(g), x - e), x + e);
        return Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), Vector256<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> xi, Vector512<float> g)
    {
        Vector512<float> e = Vector512.Create(eps);
        Vector512<float> v = Vector512.Min(Vector512.Max(xi + Vector512.Create(alpha) * FgsmStepOperator.Sign(g), x - e), x + e);
        return Vector512.Min(Vector512.Max(v, Vector512<float>.Zero), Vector512<float>.One);
    }
}
