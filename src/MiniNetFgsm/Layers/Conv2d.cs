using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers.Convolution;

namespace MiniNetFgsm.Layers;

/// <summary>
/// 2-D convolution (strictly, cross-correlation, as in PyTorch's <c>nn.Conv2d</c>):
/// <code>y[n,o,oy,ox] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, oy·s+i−p, ox·s+j−p]</code>
/// with zero padding p and stride s. Weight is (O, C, KH, KW), PyTorch's layout; bias is (O).
/// </summary>
/// <remarks>
/// <para>Shapes: x is (N,C,H,W), y is (N,O,OH,OW), OH = (H + 2p − KH) / s + 1. The plain six-loop convolution, the
/// reference this layer is checked against, is <c>MiniNetFgsm.Reference.Conv2d</c>.</para>
/// <para>This class keeps the parameters, the shapes and the cached input, and picks one of three algorithms for each
/// pass (<see cref="AlgorithmFor"/>), each in its own file under <c>Layers/Convolution/</c>: im2col + GEMM over chunks
/// of images (any shape), the direct convolution (first layers and narrow outputs) and Winograd's F(2×2, 3×3)
/// (3×3 kernels). They compute the same function; they differ in speed and, for Winograd, in rounding.</para>
/// </remarks>
public sealed class Conv2d : Layer
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private Tensor? input;
    private Tensor? output;
    private Tensor? inputGradient;
    private Conv2dUnfoldGemm? unfoldGemm;
    private Conv2dDirect? direct;
    private Conv2dWinograd? winograd;

    /// <summary>Creates a convolution with a square kernel.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true)
        : this(inChannels, outChannels, kernelSize, kernelSize, stride, padding, bias)
    {
    }

    /// <summary>Creates a convolution with a KH×KW kernel.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelHeight, int kernelWidth, int stride, int padding, bool bias)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
        weight = new Parameter("weight", outChannels, inChannels, kernelHeight, kernelWidth);
        this.bias = bias ? new Parameter("bias", outChannels) : null;
    }

    /// <summary>Input channels C.</summary>
    public int InChannels { get; }

    /// <summary>Output channels O.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height KH.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width KW.</summary>
    public int KernelWidth { get; }

    /// <summary>Stride s (both axes).</summary>
    public int Stride { get; }

    /// <summary>Zero padding p (both axes).</summary>
    public int Padding { get; }

    /// <summary>Weight (O, C, KH, KW).</summary>
    public Parameter Weight => weight;

    /// <summary>Bias (O), or null.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => bias is null ? [weight] : [weight, bias];

    /// <summary>
    /// When set, every pass runs this algorithm instead of the one <see cref="AlgorithmFor"/> would choose (a pass then
    /// throws <see cref="InvalidOperationException"/> if the algorithm cannot run the input's shape). For tests that run
    /// every algorithm on the same shape.
    /// </summary>
    internal Conv2dAlgorithm? ForcedAlgorithm { get; set; }

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape[1] != InChannels)
        {
            throw new ArgumentException($"Conv2d expects (N, {InChannels}, H, W) but got [{string.Join(", ", inputShape)}].");
        }

        int oh = Im2Col.OutputSize(inputShape[2], KernelHeight, Stride, Padding);
        int ow = Im2Col.OutputSize(inputShape[3], KernelWidth, Stride, Padding);
        if (oh < 1 || ow < 1)
        {
            throw new ArgumentException($"Input [{string.Join(", ", inputShape)}] is smaller than the {KernelHeight}x{KernelWidth} kernel.");
        }

        return [inputShape[0], OutChannels, oh, ow];
    }

    /// <summary>Forward: y = conv(x, W) + b through the algorithm <see cref="AlgorithmFor"/> picks for this pass.</summary>
    public override Tensor Forward(Tensor x, bool training) => RunForward(x, training ? Conv2dPass.TrainingForward : Conv2dPass.EvaluationForward);

    /// <summary>The evaluation forward pass for outputs only (Winograd where it applies: see <see cref="AlgorithmFor"/>).</summary>
    public override Tensor Infer(Tensor x) => RunForward(x, Conv2dPass.Infer);

    private Tensor RunForward(Tensor x, Conv2dPass pass)
    {
        if (output is null || input is null || !input.HasShape(x.Shape))
        {
            output = Tensor.Reuse(output, OutputShape(x.Shape));
        }

        input = x;
        Conv2dShape shape = ShapeOf(x);
        Algorithm(AlgorithmFor(pass, shape)).Forward(x.Data, weight.Value.Data, bias is null ? default : bias.Value.Data, output.Data, shape, Threads);
        return output;
    }

    /// <summary>
    /// Forward was y[n,o,oy,ox] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, oy·s+i−p, ox·s+j−p], so
    /// dW[o,c,i,j] += Σ_{n,oy,ox} dy[n,o,oy,ox] · x[n, c, oy·s+i−p, ox·s+j−p], db[o] += Σ_{n,oy,ox} dy[n,o,oy,ox], and
    /// dx[n, c, oy·s+i−p, ox·s+j−p] += Σ_o W[o,c,i,j] · dy[n,o,oy,ox] (returned, for the layer below or FGSM's pixels).
    /// </summary>
    public override Tensor? Backward(Tensor dy, bool needInputGradient = true, bool needParameterGradients = true)
    {
        Tensor x = Cached(input, nameof(Conv2d));
        Conv2dShape shape = ShapeOf(x);
        if (needInputGradient)
        {
            inputGradient = Tensor.Reuse(inputGradient, x.Shape);
        }

        Algorithm(AlgorithmFor(Conv2dPass.Backward, shape)).Backward(x.Data, weight.Value.Data, dy.Data,
            needParameterGradients ? weight.Gradient.Data : default,
            needParameterGradients && bias is not null ? bias.Gradient.Data : default,
            needInputGradient ? inputGradient!.Data : default, shape, Threads);
        return needInputGradient ? inputGradient : null;
    }

    /// <summary>
    /// The one rule for which algorithm runs a pass on an input of this shape (or <see cref="ForcedAlgorithm"/>):
    /// <list type="number">
    /// <item>Direct (<see cref="DirectConv2d"/>) where it is faster: forward with few taps or narrow output rows (both
    /// first layers, lenet's conv2), backward with few taps only.</item>
    /// <item>Otherwise Winograd for 3×3 kernels at stride 1 with padding ≤ 2 (mnist-cnn's conv2), in every pass but the
    /// evaluation forward pass: 2.25× fewer multiplications.</item>
    /// <item>Otherwise unfold + GEMM.</item>
    /// </list>
    /// The evaluation forward pass (<see cref="Forward(Tensor, bool)"/> with training false, which the attacks
    /// differentiate and predict with) stays off Winograd: unfold + GEMM and the direct kernels sum every output in
    /// the same order, so equal inputs give equal outputs and a max-pool after them breaks ties where PyTorch does.
    /// Winograd computes the four outputs of a tile by four different formulas, which round differently; on MNIST's
    /// flat backgrounds that moved a few dozen input-gradient elements (of 12,544) away from PyTorch's, and FGSM pixels
    /// with them. Training only needs the gradient's value, and <see cref="Infer"/> (accuracy) only the outputs, which
    /// Winograd gives to rounding.
    /// </summary>
    internal Conv2dAlgorithm AlgorithmFor(Conv2dPass pass, in Conv2dShape shape)
    {
        if (ForcedAlgorithm is { } forced)
        {
            if (!Supports(forced, shape))
            {
                throw new InvalidOperationException($"Conv2d cannot run the forced {forced} algorithm on {shape} (at {Simd.Width}).");
            }

            return forced;
        }

        bool directIsFaster = pass == Conv2dPass.Backward
            ? DirectConv2d.IsFasterBackward(InChannels, KernelHeight, KernelWidth, Stride, Padding, shape.OutputWidth)
            : DirectConv2d.IsFasterForward(InChannels, KernelHeight, KernelWidth, Stride, Padding, shape.OutputWidth);
        if (directIsFaster)
        {
            return Conv2dAlgorithm.Direct;
        }

        return pass != Conv2dPass.EvaluationForward && Conv2dWinograd.Supports(shape) ? Conv2dAlgorithm.Winograd : Conv2dAlgorithm.UnfoldGemm;
    }

    /// <summary>True when <paramref name="algorithm"/> can run a convolution of this shape at the current SIMD width.</summary>
    internal static bool Supports(Conv2dAlgorithm algorithm, in Conv2dShape shape) => algorithm switch
    {
        Conv2dAlgorithm.UnfoldGemm => true,
        Conv2dAlgorithm.Direct => Conv2dDirect.Supports(shape),
        Conv2dAlgorithm.Winograd => Conv2dWinograd.Supports(shape),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    /// <summary>The sizes of a call on <paramref name="x"/> (N, C, H, W).</summary>
    internal Conv2dShape ShapeOf(Tensor x) => new(x[0], InChannels, x[2], x[3], OutChannels, KernelHeight, KernelWidth, Stride, Padding);

    /// <summary>This layer's instance of an algorithm, created on first use (it keeps its scratch between calls).</summary>
    private IConv2dAlgorithm Algorithm(Conv2dAlgorithm algorithm) => algorithm switch
    {
        Conv2dAlgorithm.UnfoldGemm => unfoldGemm ??= new Conv2dUnfoldGemm(),
        Conv2dAlgorithm.Direct => direct ??= new Conv2dDirect(),
        Conv2dAlgorithm.Winograd => winograd ??= new Conv2dWinograd(),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };
}
