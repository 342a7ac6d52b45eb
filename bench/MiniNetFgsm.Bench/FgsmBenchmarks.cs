using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Bench.Workloads;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: the cost of attacking one batch of 64 and scoring the result, as an FGSM sweep does per batch and eps:
/// forward and backward to the input pixels, the signed step x_adv = clamp(x + eps·sign(∇x), 0, 1), and a forward
/// pass on x_adv (evaluation mode).
/// </summary>
[MiniNetConfig]
public class FgsmBenchmarks : SimdVariantBenchmarks
{
    private const float Eps = 0.1f;
    private Sequential model = null!;
    private Fgsm attack = null!;
    private Tensor images = null!;
    private int[] labels = [];

    /// <summary>The attacked architecture.</summary>
    [ParamsSource(nameof(Models))]
    public ModelWorkload Model { get; set; } = null!;

    /// <summary>lenet and mnist-cnn at batch 64.</summary>
    public static IEnumerable<ModelWorkload> Models => ModelZoo.Architectures.Select(a => ModelWorkload.Fgsm(a));

    /// <inheritdoc />
    protected override void Prepare(int threads)
    {
        model = ModelZoo.Create(Model.Architecture, seed: 1);
        model.Threads = threads;
        attack = new Fgsm(model);
        images = BenchData.Images(Model.Batch, seed: 2);
        labels = BenchData.Labels(Model.Batch, seed: 3);
        Run();  // sizes every buffer
    }

    /// <inheritdoc />
    protected override void Run()
    {
        Tensor adversarial = attack.Attack(images, labels, Eps);
        model.Forward(adversarial, training: false);
    }
}
