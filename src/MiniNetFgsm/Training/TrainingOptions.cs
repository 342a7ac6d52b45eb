namespace MiniNetFgsm.Training;

/// <summary>Settings of a training run. The same settings, seed and thread count give bit-identical weights.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 2;

    /// <summary>Images per mini-batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Step size of the optimizer.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary><c>sgd</c> (momentum 0.9) or <c>adam</c>.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>
    /// Multiplies the learning rate after every epoch (PyTorch's <c>StepLR(step_size=1, gamma)</c>, as in
    /// pytorch/examples' MNIST recipe with gamma 0.7). 1 keeps it constant.
    /// </summary>
    public float LearningRateDecay { get; init; } = 1f;

    /// <summary>
    /// <c>step</c>: the rate is <see cref="LearningRate"/> × <see cref="LearningRateDecay"/>^(epoch − 1). <c>cyclic</c>: a
    /// one-cycle triangle updated every batch, rising linearly from 0 to <see cref="LearningRate"/> over the first 40% of
    /// training and falling back to 0 at the end (Wong et al.'s schedule for fast adversarial training); the decay is ignored.
    /// </summary>
    public string LearningRateSchedule { get; init; } = "step";

    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Seeds the initial weights, the dropout masks and the shuffling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Train on FGSM adversarial examples instead of clean images; null for ordinary training.</summary>
    public AdversarialTrainingOptions? Adversarial { get; init; }

    /// <summary>The <c>cyclic</c> schedule's rate for the batch that ends <paramref name="progress"/> epochs (fractional) into training.</summary>
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

        if (LearningRateSchedule is not ("step" or "cyclic"))
        {
            throw new ArgumentException($"Unknown learning-rate schedule '{LearningRateSchedule}'; expected step or cyclic.");
        }

        if (Optimizer is not ("sgd" or "adam"))
        {
            throw new ArgumentException($"Unknown optimizer '{Optimizer}'; expected sgd or adam.");
        }

        if (Threads < 1)
        {
            throw new ArgumentException($"Threads must be at least 1 (got {Threads}).");
        }

        Adversarial?.Validate();
    }
}
