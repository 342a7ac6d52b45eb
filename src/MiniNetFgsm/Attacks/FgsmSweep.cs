using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Attacks;

/// <summary>One row of an FGSM sweep.</summary>
/// <param name="Epsilon">The perturbation size, in pixel units ([0, 1] scale).</param>
/// <param name="Correct">Images still classified correctly on x_adv.</param>
/// <param name="Total">Images attacked.</param>
/// <param name="AttackSuccessRate">Of the images correct at eps 0, the fraction misclassified at this eps.</param>
/// <param name="MeanAdversarialConfidence">Mean over all images of the softmax probability of the predicted class on x_adv.</param>
public sealed record FgsmSweepRow(float Epsilon, int Correct, int Total, double AttackSuccessRate, double MeanAdversarialConfidence)
{
    /// <summary>Robust accuracy: Correct / Total.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;
}

/// <summary>Robust accuracy under FGSM for a list of eps, every image attacked with its true label.</summary>
public static class FgsmSweep
{
    /// <summary>The eps list used when none is given: 0, 0.05, …, 0.3 (the PyTorch FGSM tutorial's).</summary>
    public static IReadOnlyList<float> DefaultEpsilons { get; } = [0f, 0.05f, 0.1f, 0.15f, 0.2f, 0.25f, 0.3f];

    /// <summary>
    /// Attacks every image of <paramref name="data"/> at every eps: <see cref="AttackSweep"/> with <see cref="AttackMethod.Fgsm"/>.
    /// The gradient is computed once per batch (it does not depend on eps); each eps then costs one step and one forward pass.
    /// </summary>
    public static IReadOnlyList<FgsmSweepRow> Run(Sequential model, LabeledImages data, IReadOnlyList<float> epsilons, int batchSize = 64, IProgress<int>? progress = null)
        => AttackSweep.Run(model, data, epsilons, new AttackOptions { Method = AttackMethod.Fgsm }, batchSize, progress)
            .Select(r => new FgsmSweepRow(r.Epsilon, r.Correct, r.Total, r.AttackSuccessRate, r.MeanAdversarialConfidence))
            .ToArray();
}
