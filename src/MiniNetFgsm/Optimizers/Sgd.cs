using System.Numerics.Tensors;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Optimizers;

/// <summary>
/// Stochastic gradient descent with momentum and L2 weight decay, as PyTorch's <c>torch.optim.SGD</c>:
/// <code>g = ∇θ + λθ;   v = μv + g;   θ = θ − η v</code>
/// (with μ = 0 this is plain θ = θ − η g).
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly float[][] velocity;
    private readonly float[] scratch;

    /// <summary>Creates SGD with learning rate η, momentum μ and weight decay λ.</summary>
    public Sgd(IReadOnlyList<Parameter> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f)
        : base(parameters, learningRate)
    {
        Momentum = momentum;
        WeightDecay = weightDecay;
        velocity = parameters.Select(p => new float[p.Value.Length]).ToArray();
        scratch = new float[parameters.Count == 0 ? 0 : parameters.Max(p => p.Value.Length)];
    }

    /// <summary>Momentum μ.</summary>
    public float Momentum { get; }

    /// <summary>Weight decay λ.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    internal override IReadOnlyList<(string Name, float[][] PerParameter)> StateBuffers => [("momentum", velocity)];

    /// <inheritdoc />
    public override void Step()
    {
        for (int k = 0; k < Parameters.Count; k++)
        {
            Span<float> theta = Parameters[k].Value.Span;
            Span<float> g = scratch.AsSpan(0, theta.Length);
            Parameters[k].Gradient.Span.CopyTo(g);
            if (WeightDecay != 0f)
            {
                TensorPrimitives.MultiplyAdd(theta, WeightDecay, g, g);     // g = ∇θ + λθ
            }

            if (Momentum != 0f)
            {
                Span<float> v = velocity[k];
                TensorPrimitives.MultiplyAdd(v, Momentum, g, v);             // v = μv + g
                g = v;
            }

            TensorPrimitives.MultiplyAdd(g, -LearningRate, theta, theta);    // θ = θ − ηv
        }
    }
}
