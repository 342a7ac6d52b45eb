using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Bench.Workloads;

/// <summary>A whole-model workload: one of the <see cref="ModelZoo"/> architectures at a batch size.</summary>
/// <param name="Architecture">The <see cref="ModelZoo"/> name.</param>
/// <param name="Batch">Images per batch.</param>
/// <param name="Flops">GEMM FLOPs per call (see <see cref="TrainingStep"/> and <see cref="Fgsm"/>).</param>
public sealed record ModelWorkload(string Architecture, int Batch, long Flops) : IWorkload
{
    /// <summary>
    /// One training step: forward F, then backward: every weight gradient (F again) and every input gradient except
    /// the first layer's, which training skips (F − F₁). Total 3F − F₁, where F is the forward GEMM FLOPs and F₁
    /// the first conv's.
    /// </summary>
    public static ModelWorkload TrainingStep(string architecture, int batch = 64)
    {
        var (forward, first) = ForwardFlops(architecture, batch);
        return new ModelWorkload(architecture, batch, 3 * forward - first);
    }

    /// <summary>
    /// One FGSM batch: forward F, backward to the input pixels (input gradients F; <see cref="Attacks.Fgsm"/> skips
    /// the weight gradients), and a forward pass on x_adv (F). Total 3F, as <c>FlopCount.Fgsm</c> counts it. The sign
    /// step itself is not counted.
    /// </summary>
    public static ModelWorkload Fgsm(string architecture, int batch = 64)
        => new(architecture, batch, 3 * ForwardFlops(architecture, batch).Forward);

    /// <summary>Forward GEMM FLOPs of the model and of its first layer with parameters: 2·M·N·K of each conv and dense product.</summary>
    public static (long Forward, long First) ForwardFlops(string architecture, int batch)
    {
        Sequential model = ModelZoo.Create(architecture);
        int[] shape = [batch, 1, 28, 28];
        long total = 0, first = -1;
        foreach (var (_, layer) in model.Layers)
        {
            int[] output = layer.OutputShape(shape);
            long flops = layer switch
            {
                // (O, N·P) = W (O, C·KH·KW) · cols
                Conv2d conv => 2L * conv.OutChannels * output[0] * output[2] * output[3] * conv.InChannels * conv.KernelHeight * conv.KernelWidth,

                // (N, Out) = x (N, In) · Wᵀ
                Dense dense => 2L * output[0] * dense.InFeatures * dense.OutFeatures,
                _ => 0,
            };
            if (flops > 0 && first < 0)
            {
                first = flops;
            }

            total += flops;
            shape = output;
        }

        return (total, Math.Max(first, 0));
    }

    /// <summary>E.g. <c>mnist-cnn b64</c>.</summary>
    public override string ToString() => $"{Architecture} b{Batch}";
}
