using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: the elementwise kernels (ReLU backward, the FGSM step, the projected BIM/PGD step, the fused Adam
/// update) at each vector width against their scalar <c>Reference</c> twins, on spans of the lengths the models
/// use: a batch of 64 MNIST images (50 176 floats, the attacks) and a parameter tensor of 100 003 floats (ReLU and
/// Adam; odd so every width ends in a tail).
/// </summary>
[MiniNetConfig]
public class ElementwiseKernelBenchmarks
{
    private const float Eps = 0.1f, Alpha = 0.01f;
    private static readonly AdamStep Adam = new(0.9f, 0.999f, 1e-8f, 0f, 1e-3f / (1f - 0.9f), MathF.Sqrt(1f - 0.999f));
    private float[] x = [], x0 = [], g = [], y = [], m = [], v = [];

    /// <summary>The kernel being measured.</summary>
    [Params("ReluBackward", "FgsmStep", "ProjectedStep", "AdamStep")]
    public string Kernel { get; set; } = "ReluBackward";

    /// <summary>Builds the inputs: pixels in [0, 1) for the attacks, values in [−1, 1) otherwise.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int length = Kernel is "FgsmStep" or "ProjectedStep" ? 64 * 28 * 28 : 100_003;
        bool pixels = length == 64 * 28 * 28;
        x = BenchData.Uniform(length, seed: 1, low: pixels ? 0f : -1f);
        x0 = BenchData.Uniform(length, seed: 2, low: pixels ? 0f : -1f);
        g = BenchData.Uniform(length, seed: 3);
        y = new float[length];
        m = BenchData.Uniform(length, seed: 4, low: -0.01f, high: 0.01f);
        v = BenchData.Uniform(length, seed: 5, low: 0f, high: 1e-4f);
    }

    /// <summary>The plain scalar loop.</summary>
    [Benchmark(Baseline = true)]
    public void Reference()
    {
        switch (Kernel)
        {
            case "ReluBackward": ReluKernels.BackwardReference(x, g, y); break;
            case "FgsmStep": FgsmKernels.StepReference(x, g, Eps, y); break;
            case "ProjectedStep": ProjectedStepKernels.StepReference(x0, x, g, Alpha, Eps, y); break;
            default: AdamKernels.StepReference(x, g, m, v, Adam); break;
        }
    }

    /// <summary>128-bit vectors.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V128)]
    public void Width128() => Run(SimdWidth.V128);

    /// <summary>256-bit vectors.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V256)]
    public void Width256() => Run(SimdWidth.V256);

    /// <summary>512-bit vectors.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V512)]
    public void Width512() => Run(SimdWidth.V512);

    private void Run(SimdWidth width)
    {
        switch (Kernel)
        {
            case "ReluBackward": ReluKernels.Backward(width, x, g, y); break;
            case "FgsmStep": FgsmKernels.Step(width, x, g, Eps, y); break;
            case "ProjectedStep": ProjectedStepKernels.Step(width, x0, x, g, Alpha, Eps, y); break;
            default: AdamKernels.Step(width, x, g, m, v, Adam); break;
        }
    }
}
