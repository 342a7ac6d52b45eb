using System.Numerics.Tensors;

namespace MiniNetFgsm.Models;

/// <summary>Turns logits into predicted classes and their softmax confidence.</summary>
public static class Predictions
{
    /// <summary>
    /// For each row of logits z (N, K): the predicted class argmax z (first on ties) and its probability
    /// softmax(z)_argmax = 1 / Σ_k exp(z_k − max z).
    /// </summary>
    public static void Compute(Tensor logits, Span<int> predicted, Span<float> confidence)
    {
        int n = logits[0], k = logits[1];
        for (int row = 0; row < n; row++)
        {
            ReadOnlySpan<float> z = logits.Span.Slice(row * k, k);
            int best = TensorPrimitives.IndexOfMax(z);
            predicted[row] = best;
            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                sum += MathF.Exp(z[j] - z[best]);
            }

            confidence[row] = 1f / sum;
        }
    }
}
