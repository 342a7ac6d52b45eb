namespace MiniNetFgsm.Training;

/// <summary>How the learning rate changes during training; the CLI spells them <c>step</c> and <c>cyclic</c>.</summary>
public enum LearningRateSchedule
{
    /// <summary>
    /// The rate is <see cref="TrainingOptions.LearningRate"/> × <see cref="TrainingOptions.LearningRateDecay"/>^(epoch − 1)
    /// (PyTorch's <c>StepLR(step_size=1, gamma)</c>).
    /// </summary>
    Step,

    /// <summary>
    /// A one-cycle triangle updated every batch, rising linearly from 0 to <see cref="TrainingOptions.LearningRate"/> over the
    /// first 40% of training and falling back to 0 at the end (Wong et al.'s schedule for fast adversarial training); the
    /// decay is ignored.
    /// </summary>
    Cyclic,
}
