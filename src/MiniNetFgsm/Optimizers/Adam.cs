using MiniNetFgsm.Kernels;
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
    private int step;
    private (int Parameter, AdamStep Scalars) current;

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
    internal override IReadOnlyList<(string Name, float[][] PerParameter)> StateBuffers => [("m", m), ("v", v)];

    /// <inheritdoc />
    internal override long Steps
    {
        get => step;
        set => step = checked((int)value);
    }

    /// <inheritdoc />
    /// <remarks>One fused pass per tensor (<see cref="AdamKernels"/>), over <see cref="Optimizer.Threads"/> ranges for large tensors.</remarks>
    public override void Step()
    {
        step++;
        float correction1 = 1f - MathF.Pow(Beta1, step);
        float correction2 = 1f - MathF.Pow(Beta2, step);
        var scalars = new AdamStep(Beta1, Beta2, Epsilon, WeightDecay, LearningRate / correction1, MathF.Sqrt(correction2));
        for (int k = 0; k < Parameters.Count; k++)
        {
            current = (k, scalars);
            // Element-wise, so cutting a large tensor into ranges (one per thread) gives the same bits.
            int n = Parameters[k].Value.Length;
            Parallelism.ForRanges(n, n >= ParallelThreshold ? Threads : 1, this, static (self, first, last) => self.StepRange(first, last));
        }
    }

    private void StepRange(int first, int last)
    {
        (int k, AdamStep scalars) = current;
        int n = last - first;
        AdamKernels.Step(Parameters[k].Value.Span.Slice(first, n), Parameters[k].Gradient.Span.Slice(first, n), m[k].AsSpan(first, n), v[k].AsSpan(first, n), scalars);
    }
}
