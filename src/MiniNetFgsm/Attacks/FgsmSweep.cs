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
    public static IReadOnlyList<FgsmSweepRow> Run(Sequential model, LabeledImages data, IReadOnlyList<float> epsilons, int batchSize = 64, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        foreach (float eps in epsilons)
        {
            if (!(eps >= 0f && eps <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(epsilons), eps, "Every eps must be in [0, 1].");
            }
        }

        // Batches are spread over one replica per thread; each replica keeps its own counts, summed in replica order.
        using var replicas = new ModelReplicas(model, model.Threads);
        int e = epsilons.Count, batches = (data.Count + batchSize - 1) / batchSize, done = 0;
        var correct = new int[replicas.Count, e];
        var fooled = new int[replicas.Count, e];
        var confidenceSum = new double[replicas.Count, e];
        var cleanCorrect = new int[replicas.Count];
        replicas.Run(r =>
        {
            var fgsm = new Fgsm(replicas[r]);
            var batch = new Batch();
            var gradient = new Tensor(0);
            int[] predicted = new int[batchSize], cleanPredicted = new int[batchSize];
            float[] confidence = new float[batchSize];
            for (int b = r; b < batches; b += replicas.Count)
            {
                int start = b * batchSize, count = Math.Min(batchSize, data.Count - start);
                batch.Fill(data, start, count);
                Tensor x = batch.Images;
                gradient = Tensor.Reuse(gradient, x.Shape);
                fgsm.InputGradient(x, batch.Labels).Span.CopyTo(gradient.Span);
                Predictions.Compute(fgsm.Logits!, cleanPredicted, confidence);
                for (int i = 0; i < count; i++)
                {
                    cleanCorrect[r] += cleanPredicted[i] == batch.Labels[i] ? 1 : 0;
                }

                for (int k = 0; k < e; k++)
                {
                    Tensor adversarial = fgsm.Perturb(x, gradient, epsilons[k]);
                    Predictions.Compute(replicas[r].Forward(adversarial, training: false), predicted, confidence);
                    for (int i = 0; i < count; i++)
                    {
                        int label = batch.Labels[i];
                        correct[r, k] += predicted[i] == label ? 1 : 0;
                        fooled[r, k] += cleanPredicted[i] == label && predicted[i] != label ? 1 : 0;
                        confidenceSum[r, k] += confidence[i];
                    }
                }

                progress?.Report(Interlocked.Add(ref done, count));
            }
        });

        int cleanCorrectTotal = cleanCorrect.Sum();
        var rows = new FgsmSweepRow[e];
        for (int k = 0; k < e; k++)
        {
            int c = 0, f = 0;
            double confidence = 0;
            for (int r = 0; r < replicas.Count; r++)
            {
                c += correct[r, k];
                f += fooled[r, k];
                confidence += confidenceSum[r, k];
            }

            rows[k] = new FgsmSweepRow(
                epsilons[k], c, data.Count,
                cleanCorrectTotal == 0 ? 0 : (double)f / cleanCorrectTotal,
                data.Count == 0 ? 0 : confidence / data.Count);
        }

        return rows;
    }
}
