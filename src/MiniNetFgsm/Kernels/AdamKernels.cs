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
    /// widths and the reference give bit-identical results.
    /// </summary>
    public static void Step(Span<float> theta, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v, in AdamStep s)
        => Step(Simd.Width, theta, gradient, m, v, s);

    /// <summary>As <see cref="Step(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in AdamStep)"/> with a chosen width.</summary>
    public static void Step(SimdWidth width, Span<float> theta, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v, in AdamStep s)
    {
        CheckLengths(theta, gradient, m, v);
        int i = 0;
        if (width >= SimdWidth.V512 && Vector512.IsHardwareAccelerated)
        {
            for (; i <= theta.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> t = Vector512.Create(theta[i..]), g = Vector512.Create(gradient[i..]);
                if (s.WeightDecay != 0f)
                {
                    g = t * s.WeightDecay + g;
                }

                Vector512<float> mi = Vector512.Create(m[i..]) * s.Beta1;
                mi = g * s.OneMinusBeta1 + mi;
                Vector512<float> vi = Vector512.Create(v[i..]) * s.Beta2;
                vi = g * g * s.OneMinusBeta2 + vi;
                Vector512<float> d = Vector512.Sqrt(vi) / s.RootCorrection2 + Vector512.Create(s.Epsilon);
                t = mi / d * -s.StepSize + t;
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                t.CopyTo(theta[i..]);
            }
        }

        if (width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            for (; i <= theta.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> t = Vector256.Create(theta[i..]), g = Vector256.Create(gradient[i..]);
                if (s.WeightDecay != 0f)
                {
                    g = t * s.WeightDecay + g;
                }

                Vector256<float> mi = Vector256.Create(m[i..]) * s.Beta1;
                mi = g * s.OneMinusBeta1 + mi;
                Vector256<float> vi = Vector256.Create(v[i..]) * s.Beta2;
                vi = g * g * s.OneMinusBeta2 + vi;
                Vector256<float> d = Vector256.Sqrt(vi) / s.RootCorrection2 + Vector256.Create(s.Epsilon);
                t = mi / d * -s.StepSize + t;
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                t.CopyTo(theta[i..]);
            }
        }

        if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
        {
            for (; i <= theta.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> t = Vector128.Create(theta[i..]), g = Vector128.Create(gradient[i..]);
                if (s.WeightDecay != 0f)
                {
                    g = t * s.WeightDecay + g;
                }

                Vector128<float> mi = Vector128.Create(m[i..]) * s.Beta1;
                mi = g * s.OneMinusBeta1 + mi;
                Vector128<float> vi = Vector128.Create(v[i..]) * s.Beta2;
                vi = g * g * s.OneMinusBeta2 + vi;
                Vector128<float> d = Vector128.Sqrt(vi) / s.RootCorrection2 + Vector128.Create(s.Epsilon);
                t = mi / d * -s.StepSize + t;
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                t.CopyTo(theta[i..]);
            }
        }

        StepReference(theta[i..], gradient[i..], m[i..], v[i..], s);
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
