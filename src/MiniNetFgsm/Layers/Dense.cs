using System.Numerics.Tensors;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers;

/// <summary>
/// Fully connected layer, PyTorch's <c>nn.Linear</c>: <code>y[n,o] = b[o] + Σ_i W[o,i] · x[n,i]</code>
/// Weight is (Out, In), bias is (Out). x is (N, In) — any (N, ...) whose trailing size is In — and y is (N, Out).
/// </summary>
public sealed class Dense : Layer
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private Tensor? input;
    private Tensor? output;
    private Tensor? inputGradient;

    /// <summary>Creates a dense layer with <paramref name="inFeatures"/> inputs and <paramref name="outFeatures"/> outputs.</summary>
    public Dense(int inFeatures, int outFeatures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter("weight", outFeatures, inFeatures);
        bias = new Parameter("bias", outFeatures);
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight (Out, In).</summary>
    public Parameter Weight => weight;

    /// <summary>Bias (Out).</summary>
    public Parameter Bias => bias;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [weight, bias];

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape)
    {
        long features = 1;
        for (int d = 1; d < inputShape.Length; d++)
        {
            features *= inputShape[d];
        }

        if (inputShape.Length < 2 || features != InFeatures)
        {
            throw new ArgumentException($"Dense expects (N, {InFeatures}) but got [{string.Join(", ", inputShape)}].");
        }

        return [inputShape[0], OutFeatures];
    }

    /// <summary>Forward: y = x · Wᵀ + b.</summary>
    public override Tensor Forward(Tensor x, bool training)
    {
        if (output is null || input is null || !input.HasShape(x.Shape))
        {
            output = Tensor.Reuse(output, OutputShape(x.Shape));
        }

        int n = x[0];
        input = x;
        Gemm.Multiply(false, true, n, OutFeatures, InFeatures, x.Data, InFeatures, weight.Value.Data, InFeatures, output.Data, OutFeatures, threads: Threads);
        for (int row = 0; row < n; row++)
        {
            Span<float> y = output.Span.Slice(row * OutFeatures, OutFeatures);
            TensorPrimitives.Add(y, bias.Value.Span, y);
        }

        return output;
    }

    /// <summary>Backward of y = x · Wᵀ + b: dW += dyᵀ · x, db += Σ_n dy[n,:], dx = dy · W.</summary>
    public override Tensor? Backward(Tensor dy, bool needInputGradient = true, bool needParameterGradients = true)
    {
        Tensor x = Cached(input, nameof(Dense));
        int n = x[0];
        if (needParameterGradients)
        {
            Gemm.Multiply(true, false, OutFeatures, InFeatures, n, dy.Data, OutFeatures, x.Data, InFeatures, weight.Gradient.Data, InFeatures, accumulate: true, threads: Threads);
            Span<float> db = bias.Gradient.Span;
            for (int row = 0; row < n; row++)
            {
                TensorPrimitives.Add(db, dy.Span.Slice(row * OutFeatures, OutFeatures), db);
            }
        }

        if (!needInputGradient)
        {
            return null;
        }

        inputGradient = Tensor.Reuse(inputGradient, x.Shape);
        Gemm.Multiply(false, false, n, InFeatures, OutFeatures, dy.Data, OutFeatures, weight.Value.Data, InFeatures, inputGradient.Data, InFeatures, threads: Threads);
        return inputGradient;
    }
}
