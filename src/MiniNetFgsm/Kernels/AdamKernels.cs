using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The Adam update (Kingma and Ba, 2015) as PyTorch computes it, fused into one pass over memory.</summary>
public static class AdamKernels
{
    /// <summary>
    /// Per element, with g = ∇θ + λθ (just ∇θ when λ = 0):
    /// <code>
    /// m = β₁ · m + (1 − β₁) · g
    /// v = β₂ · v + (1 − β₂) · g²
    /// θ = θ − stepSize · m / (√v / rootCorrection2 + ε)      stepSize = η / (1 − β₁ᵗ), rootCorrection2 = √(1 − β₂ᵗ)
    /// </code>
    /// One read of θ, g, m, v and one write of θ, m, v per element, where a chain of whole-array primitives makes
    /// eleven passes. Every product and sum is rounded separately (no fused multiply-add), in the order above, so all
    /// widths and the reference give bit-identical results. A zero gradient on zero moments leaves θ exactly as it was
    /// (0 / (0 + ε) = 0); NaN or ∞ in the gradient propagate into m, v and θ, as in PyTorch.
    /// </summary>
    public static void Step(Span<float> theta, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v, in AdamStep s)
        => Step(Simd.Width, theta, gradient, m, v, s);

    /// <summary>As <see cref="Step(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in AdamStep)"/> with a chosen width.</summary>
    public static void Step(SimdWidth width, Span<float> theta, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v, in AdamStep s)
    {
        CheckLengths(theta, gradient, m, v);
        ElementwiseLoop.InPlaceUpdate3(width, new AdamUpdateOperator(s), theta, m, v, gradient);
    }

    /// <summary>Scalar reference of <see cref="Step(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in AdamStep)"/>.</summary>
    public static void StepReference(Span<float> theta, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v, in AdamStep s)
    {
        CheckLengths(theta, gradient, m, v);
        for (int i = 0; i < theta.Length; i++)
        {
            float g = s.WeightDecay != 0f ? theta[i] * s.WeightDecay + gradient[i] : gradient[i];
            m[i] = g * s.OneMinusBeta1 + m[i] * s.Beta1;
            v[i] = g * g * s.OneMinusBeta2 + v[i] * s.Beta2;
            float d = MathF.Sqrt(v[i]) / s.RootCorrection2 + s.Epsilon;
            theta[i] = m[i] / d * -s.StepSize + theta[i];
        }
    }

    private static void CheckLengths(ReadOnlySpan<float> theta, ReadOnlySpan<float> gradient, ReadOnlySpan<float> m, ReadOnlySpan<float> v)
    {
        if (gradient.Length != theta.Length || m.Length != theta.Length || v.Length != theta.Length)
        {
            throw new ArgumentException($"Length mismatch: theta {theta.Length}, gradient {gradient.Length}, m {m.Length}, v {v.Length}.");
        }
    }
}

/// <summary>The scalars of one Adam step, shared by every element.</summary>
/// <param name="Beta1">β₁.</param>
/// <param name="Beta2">β₂.</param>
/// <param name="Epsilon">ε, added to the bias-corrected √v.</param>
/// <param name="WeightDecay">λ (L2, added to the gradient).</param>
/// <param name="StepSize">η / (1 − β₁ᵗ).</param>
/// <param name="RootCorrection2">√(1 − β₂ᵗ).</param>
public readonly record struct AdamStep(float Beta1, float Beta2, float Epsilon, float WeightDecay, float StepSize, float RootCorrection2)
{
    /// <summary>1 − β₁.</summary>
    public float OneMinusBeta1 => 1f - Beta1;

    /// <summary>1 − β₂.</summary>
    public float OneMinusBeta2 => 1f - Beta2;
}

/// <summary>
/// One Adam update of (θ, m, v) from the gradient g, per element or lane, in the order of
/// <see cref="AdamKernels.Step(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in AdamStep)"/>: every lane
/// runs the scalar Invoke's operations, so the widths agree bit for bit.
/// </summary>
internal readonly struct AdamUpdateOperator(AdamStep s) : IInPlaceUpdate3Operator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref float theta, ref float m, ref float v, float gradient)
    {
        float g = s.WeightDecay != 0f ? theta * s.WeightDecay + gradient : gradient;
        m = g * s.OneMinusBeta1 + m * s.Beta1;
        v = g * g * s.OneMinusBeta2 + v * s.Beta2;
        float d = MathF.Sqrt(v) / s.RootCorrection2 + s.Epsilon;
        theta = m / d * -s.StepSize + theta;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> theta, ref Vector128<float> m, ref Vector128<float> v, Vector128<float> gradient)
    {
        Vector128<float> g = s.WeightDecay != 0f ? theta * s.WeightDecay + gradient : gradient;
        m = g * s.OneMinusBeta1 + m * s.Beta1;
        v = g * g * s.OneMinusBeta2 + v * s.Beta2;
        Vector128<float> d = Vector128.Sqrt(v) / s.RootCorrection2 + Vector128.Create(s.Epsilon);
        theta = m / d * -s.StepSize + theta;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> theta, ref Vector256<float> m, ref Vector256<float> v, Vector256<float> gradient)
    {
        Vector256<float> g = s.WeightDecay != 0f ? theta * s.WeightDecay + gradient : gradient;
        m = g * s.OneMinusBeta1 + m * s.Beta1;
        v = g * g * s.OneMinusBeta2 + v * s.Beta2;
        Vector256<float> d = Vector256.Sqrt(v) / s.RootCorrection2 + Vector256.Create(s.Epsilon);
        theta = m / d * -s.StepSize + theta;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> theta, ref Vector512<float> m, ref Vector512<float> v, Vector512<float> gradient)
    {
        Vector512<float> g = s.WeightDecay != 0f ? theta * s.WeightDecay + gradient : gradient;
        m = g * s.OneMinusBeta1 + m * s.Beta1;
        v = g * g * s.OneMinusBeta2 + v * s.Beta2;
        Vector512<float> d = Vector512.Sqrt(v) / s.RootCorrection2 + Vector512.Create(s.Epsilon);
        theta = m / d * -s.StepSize + theta;
    }
}
