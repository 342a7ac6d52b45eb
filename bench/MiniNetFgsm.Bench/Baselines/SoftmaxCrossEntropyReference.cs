namespace MiniNetFgsm.Bench.Baselines;

/// <summary>
/// Softmax cross-entropy in plain scalar loops (MathF.Exp per element), the baseline for the library's
/// TensorPrimitives version: <c>L = (1/N) Σ_n [logsumexp(z[n,:]) − z[n, y_n]]</c>, <c>dL/dz = (softmax(z) − onehot(y)) / N</c>.
/// </summary>
public static class SoftmaxCrossEntropyReference
{
    /// <summary>Forward and backward: fills <paramref name="gradient"/> (N, K) and returns the mean loss.</summary>
    public static float ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n, int k, Span<float> gradient)
    {
        double total = 0;
        for (int row = 0; row < n; row++)
        {
            ReadOnlySpan<float> z = logits.Slice(row * k, k);
            Span<float> g = gradient.Slice(row * k, k);
            float max = z[0];
            for (int j = 1; j < k; j++)
            {
                max = Math.Max(max, z[j]);
            }

            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                g[j] = MathF.Exp(z[j] - max);
                sum += g[j];
            }

            for (int j = 0; j < k; j++)
            {
                g[j] = g[j] / sum / n;      // softmax / N
            }

            g[labels[row]] -= 1f / n;
            total += max + MathF.Log(sum) - z[labels[row]];
        }

        return (float)(total / n);
    }
}
