using System.Numerics.Tensors;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Optimizers;

/// <summary>
/// Adam (Kingma and Ba, 2015), as PyTorch's <c>torch.optim.Adam</c> with L2 weight decay:
/// <code>
/// g = ∇θ + λθ;   m = β₁m + (1−β₁)g;   v = β₂v + (1−β₂)g²
/// θ = θ − η · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
/// </code>
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly float[][] m;
    private readonly float[][] v;
    private readonly float[] g;
    private readonly float[] t1;
    private int step;

    /// <summary>Creates Adam with learning rate η, decay rates β₁, β₂, ε and weight decay λ.</summary>
    public Adam(IReadOnlyList<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(parameters, learningRate)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        m = parameters.Select(p => new float[p.Value.Length]).ToArray();
        v = parameters.Select(p => new float[p.Value.Length]).ToArray();
        int largest = parameters.Count == 0 ? 0 : parameters.Max(p => p.Value.Length);
        g = new float[largest];
        t1 = new float[largest];
    }

    /// <summary>β₁, the first-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>Weight decay λ.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    public override void Step()
    {
        step++;
        float correction1 = 1f - MathF.Pow(Beta1, step);
        float correction2 = 1f - MathF.Pow(Beta2, step);
        float stepSize = LearningRate / correction1;
        float rootCorrection2 = MathF.Sqrt(correction2);
        for (int k = 0; k < Parameters.Count; k++)
        {
            Span<float> theta = Parameters[k].Value.Span;
            int n = theta.Length;
            Span<float> grad = g.AsSpan(0, n), tmp = t1.AsSpan(0, n), mk = m[k], vk = v[k];
            Parameters[k].Gradient.Span.CopyTo(grad);
            if (WeightDecay != 0f)
            {
                TensorPrimitives.MultiplyAdd(theta, WeightDecay, grad, grad);    // g = ∇θ + λθ
            }

            TensorPrimitives.Multiply(mk, Beta1, mk);
            TensorPrimitives.MultiplyAdd(grad, 1f - Beta1, mk, mk);             // m = β₁m + (1−β₁)g
            TensorPrimitives.Multiply(grad, grad, tmp);
            TensorPrimitives.Multiply(vk, Beta2, vk);
            TensorPrimitives.MultiplyAdd(tmp, 1f - Beta2, vk, vk);              // v = β₂v + (1−β₂)g²

            // denominator = √v / √(1−β₂ᵗ) + ε;  θ −= (η/(1−β₁ᵗ)) · m / denominator
            TensorPrimitives.Sqrt(vk, tmp);
            TensorPrimitives.Divide(tmp, rootCorrection2, tmp);
            TensorPrimitives.Add(tmp, Epsilon, tmp);
            TensorPrimitives.Divide(mk, tmp, tmp);
            TensorPrimitives.MultiplyAdd(tmp, -stepSize, theta, theta);
        }
    }
}
