using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Bench.Workloads;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: the cost of a Conv2d layer, forward in training mode (im2col, one GEMM, bias) and backward (bias sum,
/// weight-gradient GEMM, input-gradient GEMM, col2im), on the conv2 layers of both models at batch 64. lenet's conv2
/// runs its forward pass directly; mnist-cnn's (3×3, stride 1) runs both passes through Winograd F(2×2, 3×3).
/// </summary>
[MiniNetConfig]
public class ConvBenchmarks : SimdVariantBenchmarks
{
    private Conv2d layer = null!;
    private Tensor x = null!;
    private Tensor dy = null!;

    /// <summary>The layer and pass being measured.</summary>
    [ParamsSource(nameof(Cases))]
    public ConvCase Case { get; set; } = ConvCase.All.First();

    /// <summary>Every case in <see cref="ConvCase.All"/>.</summary>
    public static IEnumerable<ConvCase> Cases => ConvCase.All;

    /// <inheritdoc />
    protected override void Prepare(int threads)
    {
        layer = new Conv2d(Case.InChannels, Case.OutChannels, Case.Kernel) { Threads = threads };
        float bound = 1f / MathF.Sqrt(Case.InChannels * Case.Kernel * Case.Kernel);
        BenchData.Uniform(layer.Weight.Value.Length, seed: 1, -bound, bound).CopyTo(layer.Weight.Value.Data, 0);
        BenchData.Uniform(layer.Bias!.Value.Length, seed: 2, -bound, bound).CopyTo(layer.Bias.Value.Data, 0);
        x = BenchData.UniformTensor(3, 0f, 1f, Case.Batch, Case.InChannels, Case.Size, Case.Size);
        Tensor y = layer.Forward(x, training: true);     // sizes every buffer and caches x for Backward
        dy = BenchData.UniformTensor(4, -1f, 1f, y.Shape);
        layer.Backward(dy);
    }

    /// <inheritdoc />
    protected override void Run()
    {
        if (Case.Pass == Pass.Forward)
        {
            layer.Forward(x, training: true);
        }
        else
        {
            // Weight and bias gradients accumulate across calls, as between two ZeroGradients; that costs the same.
            layer.Backward(dy, needInputGradient: true);
        }
    }
}
