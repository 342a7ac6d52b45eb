using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Attacks;

/// <summary>One row of an attack sweep.</summary>
/// <param name="Epsilon">The L∞ budget, in pixel units ([0, 1] scale).</param>
/// <param name="Correct">Images still classified correctly on x_adv (an image already misclassified counts as not robust).</param>
/// <param name="Total">Images attacked.</param>
/// <param name="AttackSuccessRate">Of the images correct at eps 0, the fraction misclassified at this eps.</param>
/// <param name="MeanAdversarialConfidence">Mean over all images of the softmax probability of the predicted class on x_adv.</param>
/// <param name="TargetedSuccessRate">Targeted attack only (else NaN): of the images whose target t differs from their label,
/// the fraction predicted as t on x_adv.</param>
public sealed record AttackSweepRow(float Epsilon, int Correct, int Total, double AttackSuccessRate, double MeanAdversarialConfidence, double TargetedSuccessRate)
{
    /// <summary>Robust accuracy: Correct / Total.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;
}

/// <summary>Robust accuracy under any <see cref="AttackMethod"/> for a list of eps; <see cref="FgsmSweep"/> is its FGSM case.</summary>
public static class AttackSweep
{
    /// <summary>
    /// Attacks every image of <paramref name="data"/> at every eps, batches spread over one model replica per thread. FGSM and
    /// targeted FGSM compute the gradient once per batch (it does not depend on eps), then each eps costs one step and one
    /// forward pass; BIM and PGD walk steps × restarts gradient steps per batch and eps. The same options and thread count
    /// give the same rows (PGD's random starts are keyed by seed, image index and restart).
    /// </summary>
    public static IReadOnlyList<AttackSweepRow> Run(Sequential model, LabeledImages data, IReadOnlyList<float> epsilons, AttackOptions options, int batchSize = 64, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        options.Validate();
        foreach (float eps in epsilons)
        {
            if (!(eps >= 0f && eps <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(epsilons), eps, "Every eps must be in [0, 1].");
            }
        }

        // Each replica keeps its own counts, summed in replica order.
        using var replicas = new ModelReplicas(model, model.Threads);
        int e = epsilons.Count, batches = (data.Count + batchSize - 1) / batchSize, done = 0;
        var correct = new int[replicas.Count, e];
        var fooled = new int[replicas.Count, e];
        var hit = new int[replicas.Count, e];
        var confidenceSum = new double[replicas.Count, e];
        var cleanCorrect = new int[replicas.Count];
        var aimed = new int[replicas.Count];
        replicas.Run(r =>
        {
            var fgsm = new Fgsm(replicas[r]);
            var targeted = new TargetedFgsm(replicas[r]);
            Pgd? pgd = options.Method is AttackMethod.Bim or AttackMethod.Pgd ? Pgd.Create(replicas[r], options) : null;
            bool isTargeted = options.Method == AttackMethod.Targeted;
            var batch = new Batch();
            var gradient = new Tensor(0);
            int[] predicted = new int[batchSize], cleanPredicted = new int[batchSize], targets = new int[batchSize];
            float[] confidence = new float[batchSize];
            for (int b = r; b < batches; b += replicas.Count)
            {
                int start = b * batchSize, count = Math.Min(batchSize, data.Count - start);
                batch.Fill(data, start, count);
                Tensor x = batch.Images;
                ReadOnlySpan<int> labels = batch.Labels;

                // The clean pass: logits for the clean predictions and, for the one-step attacks, the gradient (and targets).
                Tensor cleanLogits;
                switch (options.Method)
                {
                    case AttackMethod.Fgsm:
                        gradient = CopyOf(fgsm.InputGradient(x, labels), gradient);
                        cleanLogits = fgsm.Logits!;
                        break;
                    case AttackMethod.Targeted:
                        gradient = CopyOf(targeted.InputGradient(x, options.TargetClass), gradient);
                        cleanLogits = targeted.Logits!;
                        targeted.Targets.CopyTo(targets);
                        break;
                    default:
                        cleanLogits = replicas[r].Forward(x, training: false);
                        break;
                }

                Predictions.Compute(cleanLogits, cleanPredicted, confidence);
                for (int i = 0; i < count; i++)
                {
                    cleanCorrect[r] += cleanPredicted[i] == labels[i] ? 1 : 0;
                    aimed[r] += isTargeted && targets[i] != labels[i] ? 1 : 0;
                }

                for (int k = 0; k < e; k++)
                {
                    Tensor adversarial = options.Method switch
                    {
                        AttackMethod.Fgsm => fgsm.Perturb(x, gradient, epsilons[k]),
                        AttackMethod.Targeted => targeted.Perturb(x, gradient, epsilons[k]),
                        _ => pgd!.Attack(x, labels, epsilons[k], firstImage: start),
                    };
                    Predictions.Compute(replicas[r].Forward(adversarial, training: false), predicted, confidence);
                    for (int i = 0; i < count; i++)
                    {
                        int label = labels[i];
                        correct[r, k] += predicted[i] == label ? 1 : 0;
                        fooled[r, k] += cleanPredicted[i] == label && predicted[i] != label ? 1 : 0;
                        hit[r, k] += isTargeted && targets[i] != label && predicted[i] == targets[i] ? 1 : 0;
                        confidenceSum[r, k] += confidence[i];
                    }
                }

                progress?.Report(Interlocked.Add(ref done, count));
            }
        });

        int cleanCorrectTotal = cleanCorrect.Sum(), aimedTotal = aimed.Sum();
        var rows = new AttackSweepRow[e];
        for (int k = 0; k < e; k++)
        {
            int c = 0, f = 0, h = 0;
            double confidence = 0;
            for (int r = 0; r < replicas.Count; r++)
            {
                c += correct[r, k];
                f += fooled[r, k];
                h += hit[r, k];
                confidence += confidenceSum[r, k];
            }

            double targetedSuccess = options.Method != AttackMethod.Targeted ? double.NaN : aimedTotal == 0 ? 0 : (double)h / aimedTotal;
            rows[k] = new AttackSweepRow(
                epsilons[k], c, data.Count,
                cleanCorrectTotal == 0 ? 0 : (double)f / cleanCorrectTotal,
                data.Count == 0 ? 0 : confidence / data.Count,
                targetedSuccess);
        }

        return rows;
    }

    /// <summary>
    /// Robust accuracy under PGD with one random start and the default step 2.5 · eps / steps: the measurement adversarial
    /// training takes after every epoch (the CLI passes this method as its <c>MeasureRobustAccuracy</c>).
    /// </summary>
    public static double PgdAccuracy(Sequential model, LabeledImages images, float epsilon, int steps, int seed)
        => Run(model, images, [epsilon], new AttackOptions { Method = AttackMethod.Pgd, Steps = steps, Seed = seed })[0].Accuracy;

    /// <summary>Copies <paramref name="source"/> (a buffer the next backward pass overwrites) into <paramref name="buffer"/>, resized if needed.</summary>
    private static Tensor CopyOf(Tensor source, Tensor buffer)
    {
        buffer = Tensor.Reuse(buffer, source.Shape);
        source.Span.CopyTo(buffer.Span);
        return buffer;
    }
}
