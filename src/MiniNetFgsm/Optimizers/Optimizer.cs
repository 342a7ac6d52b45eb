using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Optimizers;

/// <summary>Updates parameters from their accumulated gradients, one step per mini-batch.</summary>
public abstract class Optimizer
{
    /// <summary>Creates an optimizer for <paramref name="parameters"/>.</summary>
    protected Optimizer(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        if (!(learningRate > 0 && float.IsFinite(learningRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Learning rate must be a positive finite number.");
        }

        Parameters = parameters;
        LearningRate = learningRate;
    }

    /// <summary>The parameters being optimised.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The step size.</summary>
    public float LearningRate { get; set; }

    /// <summary>Applies one update to every parameter from its gradient.</summary>
    public abstract void Step();

    /// <summary>
    /// The optimizer's state beside the weights, one buffer per parameter under a short name (Adam: <c>m</c>, <c>v</c>;
    /// SGD: <c>momentum</c>): live arrays, which a checkpoint copies out and a resumed run copies back.
    /// </summary>
    internal abstract IReadOnlyList<(string Name, float[][] PerParameter)> StateBuffers { get; }

    /// <summary>Steps taken so far, where the update depends on it (Adam's bias correction); 0 for SGD.</summary>
    internal virtual long Steps
    {
        get => 0;
        set { }
    }

    /// <summary>
    /// Threads a step may use on large tensors (element-wise updates: the result does not depend on it). Adam uses them;
    /// SGD's step is a single pass that stays on the calling thread.
    /// </summary>
    public int Threads { get; set; } = 1;

    /// <summary>Tensors at least this long are updated in parallel.</summary>
    protected const int ParallelThreshold = 1 << 15;

    /// <summary>Creates an SGD (momentum 0.9) or Adam optimizer, with PyTorch's defaults otherwise.</summary>
    public static Optimizer Create(OptimizerKind kind, IReadOnlyList<Parameter> parameters, float learningRate, float weightDecay = 0f) => kind switch
    {
        OptimizerKind.Sgd => new Sgd(parameters, learningRate, momentum: 0.9f, weightDecay: weightDecay),
        OptimizerKind.Adam => new Adam(parameters, learningRate, weightDecay: weightDecay),
        _ => throw new ArgumentException($"Unknown optimizer '{kind}'; expected sgd or adam.", nameof(kind)),
    };
}
