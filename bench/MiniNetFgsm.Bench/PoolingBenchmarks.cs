using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Bench.Baselines;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Bench.Workloads;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: max pooling (forward with argmax bookkeeping, and the backward scatter) on every pool of both models
/// at batch 64: the library's <see cref="MaxPool2d"/> against a formula-for-formula scalar reference.
/// Pooling has no SIMD kernel; this measures the loop structure.
/// </summary>
[MiniNetConfig]
public class PoolingBenchmarks
{
    private MaxPool2d layer = null!;
    private Tensor x = null!;
    private Tensor dy = null!;
    private float[] y = [];
    private int[] argmax = [];
    private float[] dx = [];

    /// <summary>The pool and pass being measured.</summary>
    [ParamsSource(nameof(Cases))]
    public PoolCase Case { get; set; } = PoolCase.All.First();

    /// <summary>Every case in <see cref="PoolCase.All"/>.</summary>
    public static IEnumerable<PoolCase> Cases => PoolCase.All;

    /// <summary>Builds the layer and both variants' buffers, and runs one forward pass of each so backward has its argmax.</summary>
    [GlobalSetup]
    public void Setup()
    {
        layer = new MaxPool2d(Case.Kernel);
        x = BenchData.UniformTensor(1, -1f, 1f, Case.Batch, Case.Channels, Case.Size, Case.Size);
        Tensor output = layer.Forward(x, training: true);
        dy = BenchData.UniformTensor(2, -1f, 1f, output.Shape);
        layer.Backward(dy);
        y = new float[output.Length];
        argmax = new int[output.Length];
        dx = new float[x.Length];
        Reference();
    }

    /// <summary>The formula-for-formula scalar loops.</summary>
    [Benchmark(Baseline = true)]
    public void Reference()
    {
        if (Case.Pass == Pass.Forward)
        {
            MaxPoolReference.Forward(x.Span, Case.Batch, Case.Channels, Case.Size, Case.Size, Case.Kernel, Case.Kernel, y, argmax);
        }
        else
        {
            MaxPoolReference.Backward(dy.Span, argmax, dx);
        }
    }

    /// <summary>The library layer.</summary>
    [Benchmark]
    public void Layer()
    {
        if (Case.Pass == Pass.Forward)
        {
            layer.Forward(x, training: true);
        }
        else
        {
            layer.Backward(dy);
        }
    }
}
