using MiniNetFgsm.Optimizers;

namespace MiniNetFgsm.Training;

/// <summary>
/// Settings of a training run. The same settings, seed and thread count give bit-identical weights. The defaults are
/// <c>mininet train</c>'s: 3 epochs of Adam at 0.003 on the cyclic schedule, batch 64, seed 1.
/// </summary>
public sealed record TrainingOptions
{
    private readonly float? learningRate;

    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Images per mini-batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The update rule.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Step size of the optimizer (the peak of the cyclic schedule); unless set, <see cref="DefaultLearningRate"/> of <see cref="Optimizer"/>.</summary>
    public float LearningRate
    {
        get => learningRate ?? DefaultLearningRate(Optimizer);
        init => learningRate = value;
    }

    /// <summary>
    /// Multiplies the learning rate after every epoch on the <see cref="Training.LearningRateSchedule.Step"/> schedule (PyTorch's
    /// <c>StepLR(step_size=1, gamma)</c>, gamma 0.7 as in pytorch/examples' MNIST recipe). 1 keeps it constant.
    /// </summary>
    public float LearningRateDecay { get; init; } = 0.7f;

    /// <summary>How the rate changes during training (see <see cref="Training.LearningRateSchedule"/>).</summary>
    public LearningRateSchedule LearningRateSchedule { get; init; } = LearningRateSchedule.Cyclic;

    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Seeds the initial weights, the dropout masks and the shuffling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The divergence guard: a batch whose mean cross-entropy is NaN, infinite or above this many nats stops training with
    /// <see cref="TrainingDivergedException"/>. 100 nats means the true class got on average a probability below e^−100:
    /// chance is ln 10 ≈ 2.3 nats, a model that merely stalls at a too-high rate stays near that, and even a freshly
    /// initialised network's worst batch is a few nats, so only logits that have blown up get there (Adam at 0.1, 33× the default, stalls near 2.3; at 1 a batch reaches 230 nats).
    /// </summary>
    public double MaxLoss { get; init; } = 100;

    /// <summary>Train on FGSM adversarial examples instead of clean images; null for ordinary training.</summary>
    public AdversarialTrainingOptions? Adversarial { get; init; }

    /// <summary>The learning rate used when none is set: 0.003 for Adam, 0.01 for SGD (whose steps are not normalised).</summary>
    public static float DefaultLearningRate(OptimizerKind optimizer) => optimizer == OptimizerKind.Sgd ? 0.01f : 0.003f;

    /// <summary>The <see cref="Training.LearningRateSchedule.Cyclic"/> schedule's rate for the batch that ends <paramref name="progress"/> epochs (fractional) into training.</summary>
    public float CyclicLearningRate(double progress)
    {
        double peak = 0.4 * Epochs;
        double fraction = progress <= peak ? progress / peak : (Epochs - progress) / (Epochs - peak);
        return (float)(LearningRate * Math.Clamp(fraction, 0, 1));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentException($"Epochs must be at least 1 (got {Epochs}).");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"Batch size must be at least 1 (got {BatchSize}).");
        }

        if (!(LearningRate > 0 && float.IsFinite(LearningRate)))
        {
            throw new ArgumentException($"Learning rate must be a positive number (got {LearningRate}).");
        }

        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1))
        {
            throw new ArgumentException($"Learning-rate decay must be in (0, 1] (got {LearningRateDecay}).");
        }

        if (!Enum.IsDefined(LearningRateSchedule))
        {
            throw new ArgumentException($"Unknown learning-rate schedule '{LearningRateSchedule}'; expected step or cyclic.");
        }

        if (!Enum.IsDefined(Optimizer))
        {
            throw new ArgumentException($"Unknown optimizer '{Optimizer}'; expected sgd or adam.");
        }

        if (!(MaxLoss > 0))
        {
            throw new ArgumentException($"The divergence bound MaxLoss must be positive (got {MaxLoss}).");
        }

        if (Threads < 1)
        {
            throw new ArgumentException($"Threads must be at least 1 (got {Threads}).");
        }

        Adversarial?.Validate();
    }
}
