using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Reference;

/// <summary>
/// The FGSM sweep and the accuracy of a <see cref="ReferenceModel"/>: the same rows as <see cref="FgsmSweep"/> and
/// <see cref="Evaluator"/> give for the fast model, computed one batch after another on one thread (student mode:
/// <c>mininet attack --reference</c>, <c>mininet eval --reference</c>).
/// </summary>
public static class ReferenceSweep
{
    /// <summary>
    /// Attacks every image of <paramref name="data"/> at every eps: per batch, one gradient against the true labels (which
    /// also gives the clean predictions), then per eps one signed step and one forward pass.
    /// </summary>
    public static IReadOnlyList<FgsmSweepRow> Fgsm(ReferenceModel model, LabeledImages data, IReadOnlyList<float> epsilons, int batchSize = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int e = epsilons.Count, cleanCorrect = 0;
        var correct = new int[e];
        var fooled = new int[e];
        var confidenceSum = new double[e];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            (float[] x, int[] labels) = Batch(data, start, Math.Min(batchSize, data.Count - start));
            (float[] gradient, float[] cleanLogits) = model.InputGradient(x, labels);
            int[] clean = ReferenceModel.Predict(cleanLogits, labels.Length).Predicted;
            for (int i = 0; i < labels.Length; i++)
            {
                cleanCorrect += clean[i] == labels[i] ? 1 : 0;
            }

            for (int k = 0; k < e; k++)
            {
                float[] adversarial = ReferenceModel.Perturb(x, gradient, epsilons[k]);
                (int[] predicted, float[] confidence) = ReferenceModel.Predict(model.Forward(adversarial, labels.Length), labels.Length);
                for (int i = 0; i < labels.Length; i++)
                {
                    correct[k] += predicted[i] == labels[i] ? 1 : 0;
                    fooled[k] += clean[i] == labels[i] && predicted[i] != labels[i] ? 1 : 0;
                    confidenceSum[k] += confidence[i];
                }
            }
        }

        return [.. Enumerable.Range(0, e).Select(k => new FgsmSweepRow(
            epsilons[k], correct[k], data.Count,
            cleanCorrect == 0 ? 0 : (double)fooled[k] / cleanCorrect,
            data.Count == 0 ? 0 : confidenceSum[k] / data.Count))];
    }

    /// <summary>Accuracy and confusion matrix (Confusion[label, predicted]) of the model on every image of <paramref name="data"/>.</summary>
    public static EvaluationResult Evaluate(ReferenceModel model, LabeledImages data, int batchSize = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var confusion = new int[LabeledImages.ClassCount, LabeledImages.ClassCount];
        int correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            (float[] x, int[] labels) = Batch(data, start, Math.Min(batchSize, data.Count - start));
            int[] predicted = ReferenceModel.Predict(model.Forward(x, labels.Length), labels.Length).Predicted;
            for (int i = 0; i < labels.Length; i++)
            {
                confusion[labels[i], predicted[i]]++;
                correct += predicted[i] == labels[i] ? 1 : 0;
            }
        }

        return new EvaluationResult(correct, data.Count, confusion);
    }

    /// <summary>Images start .. start + count − 1 as pixels/255 (count,1,H,W), and their labels.</summary>
    private static (float[] Images, int[] Labels) Batch(LabeledImages data, int start, int count)
    {
        var x = new float[count * data.PixelsPerImage];
        var labels = new int[count];
        data.CopyImagesTo(start, count, x);
        data.CopyLabelsTo(start, count, labels);
        return (x, labels);
    }
}
