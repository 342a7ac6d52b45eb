namespace MiniNetFgsm.Kernels;

/// <summary>
/// softmax(z)_k = exp(z_k − max z) / Σ_j exp(z_j − max z) over one row of logits, the same on every CPU.
/// </summary>
/// <remarks>
/// A plain loop in double precision, rounded to float once at the end, rather than <c>TensorPrimitives.Exp</c> and
/// <c>Sum</c>: those take a different vector path at each SIMD width (and on Arm64), so the probabilities differed in
/// their last bits from one CPU to another. FGSM takes the sign of dL/dx, which starts at p − onehot(y), and an
/// input-gradient element near zero flips its sign with those bits: up to 9 images of 10,000 then came out differently
/// attacked on different CPUs. In double, the final rounding to float almost always hides the last-bit differences of
/// <c>Math.Exp</c> between platforms. Subtracting max z first keeps every exp ≤ 1, so it cannot overflow. Ten classes
/// make this a few dozen operations per image: there is nothing to vectorise.
/// </remarks>
public static class Softmax
{
    /// <summary>Writes p = softmax(z) and returns logsumexp(z) = max z + log Σ_k exp(z_k − max z), in double.</summary>
    /// <exception cref="ArgumentException">p and z differ in length, or z is empty.</exception>
    public static double Apply(ReadOnlySpan<float> z, Span<float> p)
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
}
