using System.Numerics.Tensors;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers;

/// <summary>
/// Inverted dropout: in training each element is kept with probability 1 − p and scaled by 1/(1 − p), so the
/// expected output equals the input; in evaluation it is the identity. The mask comes from a seeded generator,
/// so the same seed gives the same masks.
/// </summary>
public sealed class Dropout : Layer
{
    private DropoutMask masks;
    private float[] mask = [];      // 0 or 1/(1−p) per element of the last training forward
    private bool masked;
    private Tensor? output;
    private Tensor? inputGradient;

    /// <summary>Creates a dropout layer that zeroes each element with probability <paramref name="p"/>.</summary>
    public Dropout(double p, int seed = 0)
    {
        if (!(p >= 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be in [0, 1).");
        }

        P = p;
        masks = new DropoutMask(seed);
    }

    /// <summary>The drop probability p.</summary>
    public double P { get; }

    /// <summary>Restarts the mask sequence from <paramref name="seed"/>.</summary>
    public void Reseed(int seed) => masks = new DropoutMask(seed);

    /// <summary>The mask generators' state (<see cref="DropoutMask.StateWords"/> words), so a checkpoint can continue the masks exactly.</summary>
    internal void SaveState(Span<uint> state) => masks.SaveState(state);

    /// <summary>Puts back a state <see cref="SaveState"/> wrote.</summary>
    internal void RestoreState(ReadOnlySpan<uint> state) => masks = DropoutMask.FromState(state);

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <summary>Forward: training y = x · m with m = 1/(1−p) with probability 1−p, else 0; evaluation y = x.</summary>
    public override Tensor Forward(Tensor x, bool training)
    {
        masked = training && P > 0;
        if (!masked)
        {
            return x;
        }

        if (mask.Length != x.Length)
        {
            mask = new float[x.Length];
        }

        // Keep an element when a uniform 32-bit draw u satisfies u ≥ p·2³², i.e. with probability 1 − p.
        float keep = (float)(1.0 / (1.0 - P));
        uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(P * 4294967296.0));
        masks.Fill(mask, threshold, keep);

        output = Tensor.Reuse(output, x.Shape);
        TensorPrimitives.Multiply(x.Span, mask, output.Span);
        return output;
    }

    /// <summary>Backward of y = x · m: dx = dy · m (dx = dy in evaluation).</summary>
    public override Tensor? Backward(Tensor dy, bool needInputGradient = true, bool needParameterGradients = true)
    {
        if (!needInputGradient)
        {
            return null;
        }

        if (!masked)
        {
            return dy;
        }

        inputGradient = Tensor.Reuse(inputGradient, dy.Shape);
        TensorPrimitives.Multiply(dy.Span, mask, inputGradient.Span);
        return inputGradient;
    }
}
