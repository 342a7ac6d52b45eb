namespace MiniNetFgsm.Reference;

// Dimensions: N batch, K classes.

/// <summary>
/// The textbook softmax cross-entropy against integer labels, averaged over the batch:
/// <code>L = (1/N) Σ_n [ logsumexp(z[n,:]) − z[n, y_n] ],   logsumexp(z) = max(z) + log Σ_k exp(z_k − max(z))</code>
/// Subtracting the maximum first keeps exp from overflowing. Its gradient is dL/dz[n,k] = (softmax(z[n,:])_k − [k = y_n]) / N.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>The mean loss L for logits z (N,K) and labels (N), each in [0, K).</summary>
    public static float Forward(float[] logits, int[] labels, int n, int k)
    {
        // logits is (N,K), labels is (N)
        float total = 0f;
        for (int b = 0; b < n; b++)
        {
            float max = Max(logits, b, k);
            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                sum += MathF.Exp(logits[b * k + j] - max);
            }

            float logSumExp = max + MathF.Log(sum);
            total += logSumExp - logits[b * k + labels[b]];
        }

        return total / n;
    }

    /// <summary>dL/dz for the mean loss L (dL/dL = 1), a new (N,K) array.</summary>
    public static float[] Backward(float[] logits, int[] labels, int n, int k)
    {
        // logits is (N,K), labels is (N)
        var dlogits = new float[n * k];     // dlogits is (N,K)
        for (int b = 0; b < n; b++)
        {
            float max = Max(logits, b, k);
            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                sum += MathF.Exp(logits[b * k + j] - max);
            }

            for (int j = 0; j < k; j++)
            {
                // forward was L += (logsumexp(z[n,:]) − z[n,y_n]) / N, and d logsumexp / dz[n,j] = softmax(z[n,:])_j,
                // so dz[n,j] = (softmax_j − [j = y_n]) / N
                float probability = MathF.Exp(logits[b * k + j] - max) / sum;
                dlogits[b * k + j] = (probability - (j == labels[b] ? 1f : 0f)) / n;
            }
        }

        return dlogits;
    }

    /// <summary>The largest logit of row <paramref name="b"/>.</summary>
    private static float Max(float[] logits, int b, int k)
    {
        float max = logits[b * k];
        for (int j = 1; j < k; j++)
        {
            max = Math.Max(max, logits[b * k + j]);
        }

        return max;
    }
}
