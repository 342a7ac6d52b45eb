using System.Numerics.Tensors;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers;

/// <summary>
/// Softmax followed by cross-entropy against integer labels, fused for numerical stability and averaged over the batch:
/// <code>L = (1/N) Σ_n [ logsumexp(z[n,:]) − z[n, y_n] ],   logsumexp(z) = max(z) + log Σ_k exp(z_k − max(z))</code>
/// Its gradient is the famous one-liner dL/dz[n,k] = (softmax(z[n,:])_k − [k = y_n]) / N.
/// </summary>
public sealed class SoftmaxCrossEntropy
{
    private Tensor? probabilities;
    private Tensor? gradient;
    private int[] labels = [];
    private float[] losses = [];

    /// <summary>softmax(z) of the last forward pass, (N, K).</summary>
    public Tensor Probabilities => probabilities ?? throw new InvalidOperationException("Forward has not run yet.");

    /// <summary>The per-example losses of the last forward pass (length N).</summary>
    public ReadOnlySpan<float> Losses => losses;

    /// <summary>Forward: returns the mean loss L for logits z (N, K) and labels y (N) in [0, K).</summary>
    public float Forward(Tensor logits, ReadOnlySpan<int> labels)
    {
        if (logits.Rank != 2 || logits[0] != labels.Length)
        {
            throw new ArgumentException($"Logits {logits.ShapeText} do not match {labels.Length} labels.");
        }

        int n = logits[0], k = logits[1];
        probabilities = Tensor.Reuse(probabilities, n, k);
        if (this.labels.Length != n)
        {
            this.labels = new int[n];
            losses = new float[n];
        }

        labels.CopyTo(this.labels);
        double total = 0;
        for (int row = 0; row < n; row++)
        {
            int label = labels[row];
            if ((uint)label >= (uint)k)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label at index {row} is outside [0, {k}).");
            }

            ReadOnlySpan<float> z = logits.Span.Slice(row * k, k);
            double logSumExp = Softmax.Apply(z, probabilities.Span.Slice(row * k, k));
            losses[row] = (float)(logSumExp - z[label]);
            total += losses[row];
        }

        return (float)(total / n);
    }

    /// <summary>Backward of L: dL/dz = (softmax(z) − onehot(y)) / N. Returns a buffer owned by this object.</summary>
    public Tensor Backward()
    {
        Tensor p = Probabilities;
        int n = p[0], k = p[1];
        gradient = Tensor.Reuse(gradient, n, k);
        TensorPrimitives.Multiply(p.Span, 1f / n, gradient.Span);
        for (int row = 0; row < n; row++)
        {
            gradient.Span[row * k + labels[row]] -= 1f / n;
        }

        return gradient;
    }
}
