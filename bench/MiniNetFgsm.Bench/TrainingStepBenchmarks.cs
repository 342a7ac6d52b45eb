using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Bench.Workloads;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: the cost of one optimisation step on a batch of 64, exactly as <c>Trainer</c> runs it:
/// ZeroGradients, forward (training mode, dropout on), softmax cross-entropy, backward (parameter gradients
/// only), Adam step. Images per second = 64 / mean time.
/// </summary>
[MiniNetConfig]
public class TrainingStepBenchmarks : SimdVariantBenchmarks
{
    private TrainingStep step = null!;

    /// <summary>The architecture being trained.</summary>
    [ParamsSource(nameof(Models))]
    public ModelWorkload Model { get; set; } = null!;

    /// <summary>lenet and mnist-cnn at batch 64.</summary>
    public static IEnumerable<ModelWorkload> Models => ModelZoo.Architectures.Select(a => ModelWorkload.TrainingStep(a));

    /// <inheritdoc />
    protected override void Prepare(int threads) => step = new TrainingStep(Model, threads);

    /// <inheritdoc />
    protected override void Run() => step.Run();
}
