using MiniNetFgsm.Bench.Infrastructure;

namespace MiniNetFgsm.Bench.Workloads;

/// <summary>Softmax cross-entropy forward and backward on logits (N, K).</summary>
/// <param name="Batch">N.</param>
/// <param name="Classes">K.</param>
public sealed record SoftmaxCase(int Batch, int Classes) : IWorkload
{
    /// <summary>
    /// Six operations per logit, counting exp as one: forward max, subtract, exp, sum, divide; backward scale
    /// (the per-row log and the one-hot subtraction are ignored).
    /// </summary>
    public long Flops => 6L * Batch * Classes;

    /// <summary>The models' output: 64 images, 10 classes.</summary>
    public static IEnumerable<SoftmaxCase> All { get; } = [new(64, 10)];

    /// <summary>E.g. <c>logits(64,10)</c>.</summary>
    public override string ToString() => $"logits({Batch},{Classes})";
}
