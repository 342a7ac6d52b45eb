namespace MiniNetFgsm.Layers;

/// <summary>
/// Flatten: (N, C, H, W) → (N, C·H·W) in C, H, W order, exactly PyTorch's <c>torch.flatten(x, 1)</c>.
/// NCHW storage is already in that order, so both passes only relabel the shape (no copy).
/// </summary>
public sealed class Flatten : Layer
{
    private int[]? inputShape;

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape) => [inputShape[0], inputShape.Skip(1).Aggregate(1, (a, b) => a * b)];

    /// <summary>y = reshape(x, (N, C·H·W)).</summary>
    public override Tensor Forward(Tensor input, bool training)
    {
        inputShape = input.Shape;
        return new Tensor(input.Data, OutputShape(input.Shape));
    }

    /// <summary>dx = reshape(dy, (N, C, H, W)).</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient = true, bool needParameterGradients = true)
        => needInputGradient ? new Tensor(outputGradient.Data, Cached(inputShape, nameof(Flatten))) : null;
}
