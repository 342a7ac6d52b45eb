using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;

namespace MiniNetFgsm.Bench.Workloads;

/// <summary>
/// One optimisation step exactly as <c>Trainer</c> runs it: ZeroGradients, forward (training mode), softmax
/// cross-entropy, backward (parameter gradients only), Adam step, on a fixed random batch.
/// </summary>
public sealed class TrainingStep
{
    private readonly Sequential model;
    private readonly Adam optimizer;
    private readonly SoftmaxCrossEntropy loss = new();
    private readonly Tensor images;
    private readonly int[] labels;

    /// <summary>Builds the model (seed 1), Adam with PyTorch's defaults and the batch, then runs one step so every buffer is sized.</summary>
    public TrainingStep(ModelWorkload workload, int threads)
    {
        model = ModelZoo.Create(workload.Architecture, seed: 1);
        model.Threads = threads;
        optimizer = new Adam(model.Parameters);
        images = Infrastructure.BenchData.Images(workload.Batch, seed: 2);
        labels = Infrastructure.BenchData.Labels(workload.Batch, seed: 3);
        Run();
    }

    /// <summary>One step; returns the batch loss.</summary>
    public float Run()
    {
        model.ZeroGradients();
        float value = loss.Forward(model.Forward(images, training: true), labels);
        model.Backward(loss.Backward(), needInputGradient: false);
        optimizer.Step();
        return value;
    }
}
