using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Bench.Baselines;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Bench.Workloads;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: the loss head, softmax cross-entropy forward (mean loss) plus backward (dL/dlogits), on the models'
/// (64, 10) logits: the library's TensorPrimitives rows against plain scalar loops. At this size per-call
/// overheads dominate, so this shows whether the vectorised calls pay off on rows of only 10.
/// </summary>
[MiniNetConfig]
public class SoftmaxCrossEntropyBenchmarks
{
    private SoftmaxCrossEntropy loss = null!;
    private Tensor logits = null!;
    private int[] labels = [];
    private float[] gradient = [];

    /// <summary>The logits shape.</summary>
    [ParamsSource(nameof(Cases))]
    public SoftmaxCase Case { get; set; } = SoftmaxCase.All.First();

    /// <summary>Every case in <see cref="SoftmaxCase.All"/>.</summary>
    public static IEnumerable<SoftmaxCase> Cases => SoftmaxCase.All;

    /// <summary>Logits of typical magnitude, labels, and one pass of each variant to size the buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        loss = new SoftmaxCrossEntropy();
        logits = BenchData.UniformTensor(1, -5f, 5f, Case.Batch, Case.Classes);
        labels = BenchData.Labels(Case.Batch, seed: 2);
        gradient = new float[Case.Batch * Case.Classes];
        Layer();
        Reference();
    }

    /// <summary>Scalar loops with MathF.Exp.</summary>
    [Benchmark(Baseline = true)]
    public float Reference() => SoftmaxCrossEntropyReference.ForwardBackward(logits.Span, labels, Case.Batch, Case.Classes, gradient);

    /// <summary>The library layer: Forward then Backward.</summary>
    [Benchmark]
    public Tensor Layer()
    {
        loss.Forward(logits, labels);
        return loss.Backward();
    }
}
