using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Training;

/// <summary>Accuracy and confusion matrix of a model on a labelled set.</summary>
/// <param name="Correct">Images whose prediction equals the label.</param>
/// <param name="Total">Images evaluated.</param>
/// <param name="Confusion">Confusion[label, predicted] counts, 10×10.</param>
public sealed record EvaluationResult(int Correct, int Total, int[,] Confusion)
{
    /// <summary>Correct / Total.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;
}

/// <summary>Runs a model in evaluation mode over a data set.</summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="model"/> on every image of <paramref name="data"/>, in batches.</summary>
    public static EvaluationResult Evaluate(Sequential model, LabeledImages data, int batchSize = 250)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var batch = new Batch();
        var confusion = new int[LabeledImages.ClassCount, LabeledImages.ClassCount];
        int correct = 0;
        int[] predicted = new int[batchSize];
        float[] confidence = new float[batchSize];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            batch.Fill(data, start, count);
            Tensor logits = model.Forward(batch.Images, training: false);
            Predictions.Compute(logits, predicted, confidence);
            for (int i = 0; i < count; i++)
            {
                int label = batch.Labels[i];
                confusion[label, predicted[i]]++;
                correct += predicted[i] == label ? 1 : 0;
            }
        }

        return new EvaluationResult(correct, data.Count, confusion);
    }
}
