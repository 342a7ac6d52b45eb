using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Models;

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
    /// <summary>
    /// Evaluates <paramref name="model"/> on every image of <paramref name="data"/>, in batches spread over
    /// <paramref name="threads"/> replicas (default: the model's <see cref="Sequential.Threads"/>).
    /// </summary>
    public static EvaluationResult Evaluate(Sequential model, LabeledImages data, int batchSize = 64, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        using var replicas = new ModelReplicas(model, threads > 0 ? threads : model.Threads);
        return Evaluate(replicas, data, batchSize);
    }

    /// <summary>
    /// As <see cref="Evaluate(Sequential, LabeledImages, int, int)"/> on replicas that already exist (the trainer's, after
    /// each epoch): with <paramref name="batchSize"/> equal to a replica's training slice (the largest, when they differ by
    /// one), every layer keeps the buffers it trains with, instead of a new set of replica models and reallocated
    /// activations each epoch, which made the peak memory grow epoch after epoch.
    /// </summary>
    internal static EvaluationResult Evaluate(ModelReplicas replicas, LabeledImages data, int batchSize)
        => Confusion(replicas, data, batchSize, r => batch => replicas[r].Infer(batch.Images));

    /// <summary>
    /// The confusion matrix of the logits that <paramref name="logitsFor"/>(r) gives for each batch of
    /// <paramref name="data"/> on replica r: batch b on replica b mod R, each replica counting into its own matrix, the
    /// matrices then added (integers: the same counts whatever the thread count). <paramref name="logitsFor"/> runs once per
    /// replica, so a replica can set up what its batches share (an attack, say); <paramref name="progress"/> hears the
    /// images done so far.
    /// </summary>
    internal static EvaluationResult Confusion(ModelReplicas replicas, LabeledImages data, int batchSize, Func<int, Func<Batch, Tensor>> logitsFor, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        const int classes = LabeledImages.ClassCount;
        var confusions = new int[replicas.Count, classes, classes];
        int batches = (data.Count + batchSize - 1) / batchSize, done = 0;
        replicas.Run(r =>
        {
            Func<Batch, Tensor> logitsOf = logitsFor(r);
            var batch = new Batch();
            int[] predicted = new int[batchSize];
            float[] confidence = new float[batchSize];
            for (int b = r; b < batches; b += replicas.Count)
            {
                int start = b * batchSize, count = Math.Min(batchSize, data.Count - start);
                batch.Fill(data, start, count);
                Predictions.Compute(logitsOf(batch), predicted, confidence);
                for (int i = 0; i < count; i++)
                {
                    confusions[r, batch.Labels[i], predicted[i]]++;
                }

                progress?.Report(Interlocked.Add(ref done, count));
            }
        });

        var confusion = new int[classes, classes];
        int correct = 0;
        for (int r = 0; r < replicas.Count; r++)
        {
            for (int label = 0; label < classes; label++)
            {
                for (int p = 0; p < classes; p++)
                {
                    confusion[label, p] += confusions[r, label, p];
                    correct += label == p ? confusions[r, label, p] : 0;
                }
            }
        }

        return new EvaluationResult(correct, data.Count, confusion);
    }
}
