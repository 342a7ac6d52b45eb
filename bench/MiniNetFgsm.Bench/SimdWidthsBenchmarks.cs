using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Bench.Workloads;
using MiniNetFgsm.Kernels;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: what each instruction-set level buys end to end. The same two workloads, the mnist-cnn conv2 GEMM and
/// a mnist-cnn training step, run at the default width (<see cref="Simd.Width"/>, one thread) in four processes
/// (<see cref="SimdJobsConfig"/>): everything on, AVX-512 off, AVX2 off, all hardware intrinsics off. Compare the
/// rows of one workload across the Job column. Unlike the Scalar variant elsewhere, HWIntrinsic-off also makes
/// TensorPrimitives and the JIT scalar.
/// </summary>
[MiniNetConfig]
[SimdJobs]
public class SimdWidthsBenchmarks
{
    private Action run = () => { };

    /// <summary>The workload: a <see cref="GemmShape"/> or a training-step <see cref="ModelWorkload"/>.</summary>
    [ParamsSource(nameof(Workloads))]
    public IWorkload Workload { get; set; } = null!;

    /// <summary>The mnist-cnn conv2 forward GEMM and a mnist-cnn training step, batch 64.</summary>
    public static IEnumerable<IWorkload> Workloads =>
    [
        GemmShape.All.First(s => s.Name == "cnn.conv2.fwd"),
        ModelWorkload.TrainingStep(ModelZoo.MnistCnn),
    ];

    /// <summary>Builds the workload's inputs and prints the width this process ended up with.</summary>
    [GlobalSetup]
    public void Setup()
    {
        // Shows up in the BenchmarkDotNet log for each job: evidence that the environment variables took effect.
        Console.WriteLine($"// MiniNetFgsm: Simd.Width = {Simd.Width} in this process");
        run = Workload switch
        {
            GemmShape shape => GemmRunner(shape),
            ModelWorkload model => TrainingRunner(model),
            _ => throw new InvalidOperationException($"Unknown workload {Workload}."),
        };
        run();
    }

    /// <summary>One call of the workload.</summary>
    [Benchmark]
    public void DefaultWidth() => run();

    private static Action GemmRunner(GemmShape s)
    {
        float[] a = BenchData.Uniform(s.LengthA, seed: 1), b = BenchData.Uniform(s.LengthB, seed: 2), c = new float[s.M * s.N];
        return () => Gemm.Multiply(s.TransposeA, s.TransposeB, s.M, s.N, s.K, a, s.Lda, b, s.Ldb, c, s.N);
    }

    private static Action TrainingRunner(ModelWorkload workload)
    {
        var step = new TrainingStep(workload, threads: 1);
        return () => step.Run();
    }
}
