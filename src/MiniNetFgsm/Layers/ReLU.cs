using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers;

/// <summary>Rectified linear unit, elementwise: y = max(x, 0).</summary>
public sealed class ReLU : Layer
{
    private Tensor? input;
    private Tensor? output;
    private Tensor? inputGradient;

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <summary>Forward: y = max(x, 0).</summary>
    public override Tensor Forward(Tensor x, bool training)
    {
        input = x;
        output = Tensor.Reuse(output, x.Shape);
        ReluKernels.Forward(x.Span, output.Span);
        return output;
    }

    /// <summary>Backward of y = max(x, 0): dx = dy where x &gt; 0, else 0 (0 at exactly x = 0).</summary>
    public override Tensor? Backward(Tensor dy, bool needInputGradient = true, bool needParameterGradients = true)
    {
        Tensor x = Cached(input, nameof(ReLU));
        if (!needInputGradient)
        {
            return null;
        }

        inputGradient = Tensor.Reuse(inputGradient, x.Shape);
        ReluKernels.Backward(x.Span, dy.Span, inputGradient.Span);
        return inputGradient;
    }
}
