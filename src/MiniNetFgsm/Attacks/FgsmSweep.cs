using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Training;

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
    /// Attacks every image of <paramref name="data"/> at every eps. The gradient is computed once per batch
    /// (it does not depend on eps); each eps then costs one step and one forward pass.
    /// </summary>
    public static IReadOnlyList<FgsmSweepRow> Run(Sequential model, LabeledImages data, IReadOnlyList<float> epsilons, int batchSize = 250, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        foreach (float eps in epsilons)
        {
            if (!(eps >= 0f && eps <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(epsilons), eps, "Every eps must be in [0, 1].");
            }
        }

        var fgsm = new Fgsm(model);
        var batch = new Batch();
        int[] correct = new int[epsilons.Count], fooled = new int[epsilons.Count];
        double[] confidenceSum = new double[epsilons.Count];
        int cleanCorrectTotal = 0;
        int[] predicted = new int[batchSize], cleanPredicted = new int[batchSize];
        float[] confidence = new float[batchSize];
        Tensor gradient = new(0);
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            batch.Fill(data, start, count);
            Tensor x = batch.Images;
            gradient = Tensor.Reuse(gradient, x.Shape);
            fgsm.InputGradient(x, batch.Labels).Span.CopyTo(gradient.Span);
            Predictions.Compute(model.Forward(x, training: false), cleanPredicted, confidence);
            for (int i = 0; i < count; i++)
            {
                cleanCorrectTotal += cleanPredicted[i] == batch.Labels[i] ? 1 : 0;
            }

            for (int e = 0; e < epsilons.Count; e++)
            {
                Tensor adversarial = fgsm.Perturb(x, gradient, epsilons[e]);
                Predictions.Compute(model.Forward(adversarial, training: false), predicted, confidence);
                for (int i = 0; i < count; i++)
                {
                    int label = batch.Labels[i];
                    correct[e] += predicted[i] == label ? 1 : 0;
                    fooled[e] += cleanPredicted[i] == label && predicted[i] != label ? 1 : 0;
                    confidenceSum[e] += confidence[i];
                }
            }

            progress?.Report(start + count);
        }

        return epsilons.Select((eps, e) => new FgsmSweepRow(
            eps, correct[e], data.Count,
            cleanCorrectTotal == 0 ? 0 : (double)fooled[e] / cleanCorrectTotal,
            data.Count == 0 ? 0 : confidenceSum[e] / data.Count)).ToArray();
    }
}
