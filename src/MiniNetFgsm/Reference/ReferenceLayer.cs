namespace MiniNetFgsm.Reference;

// Dimensions: N batch, C channels, H×W plane; a shape is an int[] such as [N, C, H, W] or [N, F].

/// <summary>
/// One named step of a <see cref="ReferenceModel"/>: its settings and weights, and calls into the textbook functions
/// (<see cref="Conv2d"/>, <see cref="MaxPool2d"/>, …). A step keeps no state: the model keeps every activation and hands
/// each backward the input its forward saw.
/// </summary>
/// <param name="Name">The layer's name in the model (<c>conv1</c>, <c>pool1</c>, …).</param>
public abstract record ReferenceLayer(string Name)
{
    /// <summary>The output shape for an input shape.</summary>
    public abstract int[] OutputShape(int[] shape);

    /// <summary>y = layer(x) for x of the given shape, a new array.</summary>
    public abstract float[] Forward(float[] x, int[] shape);

    /// <summary>dL/dx given dL/dy and the forward's x and shape, a new array (parameter gradients are not kept).</summary>
    public abstract float[] Backward(float[] dy, float[] x, int[] shape);
}

/// <summary>A convolution with square K×K kernels: weight (O,C,K,K), bias (O).</summary>
public sealed record Conv2dLayer(string Name, float[] Weight, float[] Bias, int InChannels, int OutChannels, int Kernel, int Stride = 1, int Padding = 0)
    : ReferenceLayer(Name)
{
    /// <inheritdoc />
    public override int[] OutputShape(int[] shape)
        => [shape[0], OutChannels, Conv2d.OutputSize(shape[2], Kernel, Stride, Padding), Conv2d.OutputSize(shape[3], Kernel, Stride, Padding)];

    /// <inheritdoc />
    public override float[] Forward(float[] x, int[] shape)
        => Conv2d.Forward(x, Weight, Bias, shape[0], InChannels, shape[2], shape[3], OutChannels, Kernel, Kernel, Stride, Padding);

    /// <inheritdoc />
    public override float[] Backward(float[] dy, float[] x, int[] shape)
        => Conv2d.Backward(dy, x, Weight, Bias, shape[0], InChannels, shape[2], shape[3], OutChannels, Kernel, Kernel, Stride, Padding).Dx;
}

/// <summary>Max pooling over K×K windows at stride s.</summary>
public sealed record MaxPool2dLayer(string Name, int Kernel, int Stride) : ReferenceLayer(Name)
{
    /// <inheritdoc />
    public override int[] OutputShape(int[] shape) => [shape[0], shape[1], (shape[2] - Kernel) / Stride + 1, (shape[3] - Kernel) / Stride + 1];

    /// <inheritdoc />
    public override float[] Forward(float[] x, int[] shape) => MaxPool2d.Forward(x, shape[0], shape[1], shape[2], shape[3], Kernel, Stride);

    /// <inheritdoc />
    public override float[] Backward(float[] dy, float[] x, int[] shape) => MaxPool2d.Backward(dy, x, shape[0], shape[1], shape[2], shape[3], Kernel, Stride);
}

/// <summary>y = max(x, 0).</summary>
public sealed record ReLULayer(string Name) : ReferenceLayer(Name)
{
    /// <inheritdoc />
    public override int[] OutputShape(int[] shape) => shape;

    /// <inheritdoc />
    public override float[] Forward(float[] x, int[] shape) => ReLU.Forward(x);

    /// <inheritdoc />
    public override float[] Backward(float[] dy, float[] x, int[] shape) => ReLU.Backward(dy, x);
}

/// <summary>Dropout in evaluation mode, the only one a reference model runs: the identity (a copy).</summary>
public sealed record DropoutLayer(string Name, double P) : ReferenceLayer(Name)
{
    /// <inheritdoc />
    public override int[] OutputShape(int[] shape) => shape;

    /// <inheritdoc />
    public override float[] Forward(float[] x, int[] shape) => (float[])x.Clone();

    /// <inheritdoc />
    public override float[] Backward(float[] dy, float[] x, int[] shape) => (float[])dy.Clone();
}

/// <summary>(N,C,H,W) → (N, C·H·W).</summary>
public sealed record FlattenLayer(string Name) : ReferenceLayer(Name)
{
    /// <inheritdoc />
    public override int[] OutputShape(int[] shape) => [shape[0], shape.Skip(1).Aggregate(1, (a, b) => a * b)];

    /// <inheritdoc />
    public override float[] Forward(float[] x, int[] shape) => Flatten.Forward(x);

    /// <inheritdoc />
    public override float[] Backward(float[] dy, float[] x, int[] shape) => Flatten.Backward(dy);
}

/// <summary>A fully connected layer: weight (O,I), bias (O).</summary>
public sealed record DenseLayer(string Name, float[] Weight, float[] Bias, int InFeatures, int OutFeatures) : ReferenceLayer(Name)
{
    /// <inheritdoc />
    public override int[] OutputShape(int[] shape) => [shape[0], OutFeatures];

    /// <inheritdoc />
    public override float[] Forward(float[] x, int[] shape) => Dense.Forward(x, Weight, Bias, shape[0], InFeatures, OutFeatures);

    /// <inheritdoc />
    public override float[] Backward(float[] dy, float[] x, int[] shape) => Dense.Backward(dy, x, Weight, shape[0], InFeatures, OutFeatures).Dx;
}
