namespace MiniNetFgsm.Layers;

/// <summary>
/// Flatten: (N, C, H, W) → (N, C·H·W) in C, H, W order, exactly PyTorch's <c>torch.flatten(x, 1)</c>.
/// NCHW storage is already in that order, so both passes only relabel the shape (no copy).
/// </summary>
public sealed class Flatten : Layer
{
    private Tensor? input;
    private Tensor? output;          // a view of the last input's storage
    private Tensor? inputGradient;   // a view of the last output gradient's storage

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape) => [inputShape[0], inputShape.Skip(1).Aggregate(1, (a, b) => a * b)];

    /// <summary>y = reshape(x, (N, C·H·W)).</summary>
    public override Tensor Forward(Tensor x, bool training)
    {
        input = x;
        int n = x[0], features = n == 0 ? 0 : x.Length / n;
        bool reusable = output is not null && ReferenceEquals(output.Data, x.Data) && output[0] == n && output[1] == features;
        output = reusable ? output! : new Tensor(x.Data, n, features);
        return output;
    }

    /// <summary>dx = reshape(dy, (N, C, H, W)).</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient = true, bool needParameterGradients = true)
    {
        Tensor x = Cached(input, nameof(Flatten));
        if (!needInputGradient)
        {
            return null;
        }

        inputGradient = View(inputGradient, outputGradient.Data, x.Shape);
        return inputGradient;
    }

    /// <summary>Reuses the cached view when it already wraps <paramref name="data"/> with <paramref name="shape"/>, so the steady state allocates nothing.</summary>
    private static Tensor View(Tensor? cached, float[] data, int[] shape)
        => cached is not null && ReferenceEquals(cached.Data, data) && cached.HasShape(shape) ? cached : new Tensor(data, shape);
}
