using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The Fast Gradient Sign Method step in pixel space.</summary>
public static class FgsmKernels
{
    /// <summary>
    /// x_adv = clamp(x + eps · sign(g), 0, 1), elementwise, with sign(0) = sign(−0) = sign(NaN) = 0, so pixels the loss
    /// does not depend on stay put. The product and the sum are rounded separately (no fused multiply-add), so every
    /// width gives the reference's bits. <paramref name="xAdv"/> may be the same span as <paramref name="x"/>.
    /// </summary>
    public static void Step(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float eps, Span<float> xAdv) => Step(Simd.Width, x, g, eps, xAdv);

    /// <summary>As <see cref="Step(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Span{float})"/> with a chosen vector width.</summary>
    public static void Step(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> g, float eps, Span<float> xAdv)
    {
        CheckLengths(x, g, xAdv);
        ElementwiseLoop.Binary(width, new FgsmStepOperator(eps), x, g, xAdv);
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

/// <summary>
/// The FGSM step for one element or lane: (x, g) → min(max(x + eps · sign(g), 0), 1), with <see cref="Sign(float)"/>.
/// </summary>
internal readonly struct FgsmStepOperator(float eps) : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float g) => Math.Min(Math.Max(x + eps * Sign(g), 0f), 1f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> g)
        => Vector128.Min(Vector128.Max(x + Vector128.Create(eps) * Sign(g), Vector128<float>.Zero), Vector128<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> g)
        => Vector256.Min(Vector256.Max(x + Vector256.Create(eps) * Sign(g), Vector256<float>.Zero), Vector256<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> g)
        => Vector512.Min(Vector512.Max(x + Vector512.Create(eps) * Sign(g), Vector512<float>.Zero), Vector512<float>.One);

    /// <summary>+1 for g &gt; 0, −1 for g &lt; 0, and +0 for 0, −0 and NaN (pixels the loss does not depend on stay put).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sign(float g) => g > 0f ? 1f : g < 0f ? -1f : 0f;

    /// <summary>
    /// <see cref="Sign(float)"/> per lane without branches: the masks of g &gt; 0 and g &lt; 0 ANDed with 1 give 1 or
    /// +0 each, and their difference is +1, −1 or +0 (NaN fails both compares).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Sign(Vector128<float> g)
        => (Vector128.GreaterThan(g, Vector128<float>.Zero) & Vector128<float>.One) - (Vector128.LessThan(g, Vector128<float>.Zero) & Vector128<float>.One);

    /// <summary>As <see cref="Sign(Vector128{float})"/> with eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Sign(Vector256<float> g)
        => (Vector256.GreaterThan(g, Vector256<float>.Zero) & Vector256<float>.One) - (Vector256.LessThan(g, Vector256<float>.Zero) & Vector256<float>.One);

    /// <summary>As <see cref="Sign(Vector128{float})"/> with sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Sign(Vector512<float> g)
        => (Vector512.GreaterThan(g, Vector512<float>.Zero) & Vector512<float>.One) - (Vector512.LessThan(g, Vector512<float>.Zero) & Vector512<float>.One);
}
