using System.Numerics.Tensors;

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
            double logSumExp = Softmax(z, probabilities.Span.Slice(row * k, k));
            losses[row] = (float)(logSumExp - z[label]);
            total += losses[row];
        }

        return (float)(total / n);
    }

    /// <summary>
    /// p = softmax(z) for one row of logits, and returns logsumexp(z) = max(z) + log Σ_k exp(z_k − max(z)).
    /// </summary>
    /// <remarks>
    /// A plain loop in double precision, rounded to float once at the end, rather than <c>TensorPrimitives.Exp</c> and
    /// <c>Sum</c>: those take a different vector path at each SIMD width (and on Arm64), so the probabilities differed in
    /// their last bits from one CPU to another. FGSM takes the sign of dL/dx, which starts at p − onehot(y), and an
    /// input-gradient element near zero flips its sign with those bits: a few dozen images of 10,000 then came out
    /// differently attacked on different CPUs. In double, the rounding to float hides the last-bit differences of
    /// <c>Math.Exp</c> between platforms. Subtracting max(z) first keeps every exp ≤ 1, so it cannot overflow.
    /// </remarks>
    public static double Softmax(ReadOnlySpan<float> z, Span<float> p)
    {
        if (p.Length != z.Length || z.IsEmpty)
        {
            throw new ArgumentException($"Softmax needs as many outputs as logits (at least one); got {z.Length} logits and {p.Length} outputs.");
        }

        float max = z[0];
        for (int i = 1; i < z.Length; i++)
        {
            max = Math.Max(max, z[i]);
        }

        double sum = 0;
        for (int i = 0; i < z.Length; i++)
        {
            sum += Math.Exp((double)z[i] - max);
        }

        for (int i = 0; i < z.Length; i++)
        {
            p[i] = (float)(Math.Exp((double)z[i] - max) / sum);
        }

        return max + Math.Log(sum);
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
