using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Benchmarking;
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
    /// the first conv's: <see cref="FlopCount.TrainingStep"/>, times the batch.
    /// </summary>
    public static ModelWorkload TrainingStep(string architecture, int batch = 64)
        => new(architecture, batch, PerBatch(FlopCount.TrainingStep, architecture, batch));

    /// <summary>
    /// One FGSM batch: forward F, backward to the input pixels (input gradients F; <see cref="Attacks.Fgsm"/> skips
    /// the weight gradients), and a forward pass on x_adv (F). Total 3F: <see cref="FlopCount.Fgsm"/>, times the
    /// batch. The sign step itself is not counted.
    /// </summary>
    public static ModelWorkload Fgsm(string architecture, int batch = 64)
        => new(architecture, batch, PerBatch(FlopCount.Fgsm, architecture, batch));

    private static long PerBatch(Func<Sequential, int[], double> perImage, string architecture, int batch)
        => (long)Math.Round(perImage(ModelZoo.Create(architecture), [1, 28, 28]) * batch);

    /// <summary>E.g. <c>mnist-cnn b64</c>.</summary>
    public override string ToString() => $"{Architecture} b{Batch}";
}
