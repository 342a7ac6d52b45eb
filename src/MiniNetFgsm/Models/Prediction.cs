using System.Numerics.Tensors;
using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Models;

/// <summary>
/// What a model predicts for N images, in arrays the caller owns (no later call reuses them).
/// </summary>
/// <param name="Labels">(N) the predicted class of each image, argmax of its logits (the first on ties).</param>
/// <param name="Probabilities">(N, K) row-major: softmax of each image's K logits, each row summing to 1.</param>
public sealed record Prediction(int[] Labels, float[] Probabilities)
{
    /// <summary>Images N.</summary>
    public int Count => Labels.Length;

    /// <summary>Classes K (10 for MNIST).</summary>
    public int Classes => Count == 0 ? 0 : Probabilities.Length / Count;

    /// <summary>The K class probabilities of image <paramref name="n"/>.</summary>
    public ReadOnlySpan<float> ProbabilitiesOf(int n) => Probabilities.AsSpan(n * Classes, Classes);

    /// <summary>The probability of image <paramref name="n"/>'s predicted class: how sure the model is.</summary>
    public float Confidence(int n) => Probabilities[n * Classes + Labels[n]];

    /// <summary>The fraction of images whose predicted class is their label.</summary>
    public double Accuracy(ReadOnlySpan<int> labels)
    {
        if (labels.Length != Count)
        {
            throw new ArgumentException($"Expected {Count} labels, got {labels.Length}.", nameof(labels));
        }

        int correct = 0;
        for (int n = 0; n < Count; n++)
        {
            correct += Labels[n] == labels[n] ? 1 : 0;
        }

        return Count == 0 ? 0 : (double)correct / Count;
    }

    /// <summary>
    /// The prediction for logits z (N, K): argmax z and softmax(z) row by row, copied into new arrays (the logits are
    /// usually a buffer the model reuses).
    /// </summary>
    public static Prediction FromLogits(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        int n = logits[0], k = logits.Length / Math.Max(n, 1);
        var prediction = new Prediction(new int[n], new float[n * k]);
        prediction.Fill(logits, 0);
        return prediction;
    }

    /// <summary>Writes the rows of <paramref name="logits"/> (n, K) as images <paramref name="first"/> .. first + n − 1.</summary>
    internal void Fill(Tensor logits, int first)
    {
        int n = logits[0], k = n == 0 ? 0 : logits.Length / n;
        for (int row = 0; row < n; row++)
        {
            ReadOnlySpan<float> z = logits.Span.Slice(row * k, k);
            Labels[first + row] = TensorPrimitives.IndexOfMax(z);
            Softmax.Apply(z, Probabilities.AsSpan((first + row) * k, k));
        }
    }
}

/// <summary>The high-level calls on a <see cref="Sequential"/>: whole batches in, arrays the caller owns out.</summary>
public static class SequentialExtensions
{
    /// <summary>
    /// Predicts the class of every image of <paramref name="images"/> (N, C, H, W), <paramref name="batchSize"/> images at a
    /// time through <see cref="Sequential.Infer"/> (evaluation mode), and returns the labels and the softmax probabilities as
    /// new arrays. <see cref="Sequential.Infer"/> itself is the low-level call: it returns the logits in a buffer that the
    /// model overwrites on its next pass.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="images"/> has no batch axis.</exception>
    public static Prediction Predict(this Sequential model, Tensor images, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (images.Rank < 2)
        {
            throw new ArgumentException($"Expected a batch of images (N, C, H, W), got a tensor of shape {images.ShapeText}.", nameof(images));
        }

        int n = images[0], classes = model.OutputShape([1, .. images.Shape[1..]])[^1];
        var prediction = new Prediction(new int[n], new float[n * classes]);
        var batch = new Tensor(0);
        foreach ((int start, int count) in Batches.Of(n, batchSize))
        {
            batch = Batches.Copy(images, start, count, batch);
            prediction.Fill(model.Infer(batch), start);
        }

        return prediction;
    }
}

/// <summary>Cuts a batch of N images into slices of at most a batch size.</summary>
internal static class Batches
{
    /// <summary>(start, count) of each slice of <paramref name="total"/> items, in order.</summary>
    public static IEnumerable<(int Start, int Count)> Of(int total, int batchSize)
    {
        for (int start = 0; start < total; start += batchSize)
        {
            yield return (start, Math.Min(batchSize, total - start));
        }
    }

    /// <summary>Images start .. start + count − 1 of <paramref name="images"/> (N, ...) copied into <paramref name="buffer"/> (resized if needed).</summary>
    public static Tensor Copy(Tensor images, int start, int count, Tensor buffer)
    {
        int size = images[0] == 0 ? 0 : images.Length / images[0];
        buffer = Tensor.Reuse(buffer, [count, .. images.Shape[1..]]);
        images.Span.Slice(start * size, count * size).CopyTo(buffer.Span);
        return buffer;
    }
}
