using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Bench.Workloads;

/// <summary>Which half of a layer's work a benchmark measures.</summary>
public enum Pass
{
    /// <summary>The forward pass.</summary>
    Forward,

    /// <summary>The backward pass (parameter gradients and the input gradient).</summary>
    Backward,
}

/// <summary>
/// A square-kernel, stride-1, unpadded Conv2d (as both models use) on a batch x (N, C, H, W), forward or backward.
/// </summary>
/// <param name="Name">Which layer, e.g. <c>cnn.conv2</c>.</param>
/// <param name="Batch">N.</param>
/// <param name="InChannels">C.</param>
/// <param name="OutChannels">O.</param>
/// <param name="Kernel">KH = KW.</param>
/// <param name="Size">H = W of the input.</param>
/// <param name="Pass">Forward or backward.</param>
public sealed record ConvCase(string Name, int Batch, int InChannels, int OutChannels, int Kernel, int Size, Pass Pass) : IWorkload
{
    /// <summary>Output pixels per image, P = OH·OW.</summary>
    public int Pixels => Im2Col.OutputSize(Size, Kernel, 1, 0) * Im2Col.OutputSize(Size, Kernel, 1, 0);

    /// <summary>
    /// GEMM FLOPs only. Forward: out (O, N·P) = W (O, C·K·K) · cols, 2·O·N·P·C·K·K. Backward: dW = dout · colsᵀ and
    /// dcols = Wᵀ · dout, twice that. im2col, col2im and the bias are data movement and are not counted.
    /// </summary>
    public long Flops
    {
        get
        {
            long forward = 2L * OutChannels * Batch * Pixels * InChannels * Kernel * Kernel;
            return Pass == Pass.Forward ? forward : 2 * forward;
        }
    }

    /// <summary>lenet conv2 and mnist-cnn conv2 at batch 64, each forward and backward.</summary>
    public static IEnumerable<ConvCase> All { get; } =
    [
        new("lenet.conv2", 64, 10, 20, 5, 12, Pass.Forward),
        new("lenet.conv2", 64, 10, 20, 5, 12, Pass.Backward),
        new("cnn.conv2", 64, 32, 64, 3, 26, Pass.Forward),
        new("cnn.conv2", 64, 32, 64, 3, 26, Pass.Backward),
    ];

    /// <summary>E.g. <c>cnn.conv2.fwd x(64,32,26,26) k3</c>.</summary>
    public override string ToString()
        => $"{Name}.{(Pass == Pass.Forward ? "fwd" : "bwd")} x({Batch},{InChannels},{Size},{Size}) k{Kernel}";
}
