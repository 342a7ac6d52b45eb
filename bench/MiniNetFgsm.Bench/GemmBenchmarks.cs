using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using MiniNetFgsm.Bench.Baselines;
using MiniNetFgsm.Bench.Workloads;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: how fast each GEMM implementation runs the products the two models actually issue at batch 64.
/// Variants, slowest first: the scalar triple loop (<see cref="Gemm.Reference"/>, the baseline), GEMM built from
/// TensorPrimitives calls only, then the library's packed, register-blocked micro-kernel at every vector width
/// the CPU accelerates on one thread, and the widest width on two threads.
/// </summary>
/// <remarks>
/// The scalar reference needs seconds per call on the large shapes, so when no <c>--job</c> is given this class
/// runs a shorter default job (fewer warm-up and measured iterations); <c>--job short</c> etc. replace it.
/// </remarks>
[MiniNetConfig]
[Config(typeof(GemmJobConfig))]
public class GemmBenchmarks
{
    private float[] a = [];
    private float[] b = [];
    private float[] c = [];

    /// <summary>The product being measured.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.All.First();

    /// <summary>Every shape in <see cref="GemmShape.All"/>.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.All;

    /// <summary>Allocates and fills A, B and C once per shape.</summary>
    [GlobalSetup]
    public void Setup()
    {
        a = BenchData.Uniform(Shape.LengthA, seed: 1);
        b = BenchData.Uniform(Shape.LengthB, seed: 2);
        c = new float[Shape.M * Shape.N];
    }

    /// <summary>The scalar triple loop.</summary>
    [Benchmark(Baseline = true)]
    public void Reference()
        => Gemm.Reference(Shape.TransposeA, Shape.TransposeB, Shape.M, Shape.N, Shape.K, a, Shape.Lda, b, Shape.Ldb, c, Shape.N);

    /// <summary>Axpy (or dot, for a transposed B) over TensorPrimitives: vectorised, but no blocking or packing.</summary>
    [Benchmark]
    public void TensorPrimitives()
        => TensorPrimitivesGemm.Multiply(Shape.TransposeA, Shape.TransposeB, Shape.M, Shape.N, Shape.K, a, Shape.Lda, b, Shape.Ldb, c, Shape.N);

    /// <summary>The blocked micro-kernel with 128-bit vectors, one thread.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V128)]
    public void Blocked128() => Blocked(SimdWidth.V128, threads: 1);

    /// <summary>The blocked micro-kernel with 256-bit vectors, one thread.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V256)]
    public void Blocked256() => Blocked(SimdWidth.V256, threads: 1);

    /// <summary>The blocked micro-kernel with 512-bit vectors, one thread.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V512)]
    public void Blocked512() => Blocked(SimdWidth.V512, threads: 1);

    /// <summary>The blocked micro-kernel at the widest width this process accelerates (<see cref="Simd.Width"/>), two threads.</summary>
    [Benchmark]
    public void BlockedBestTwoThreads() => Blocked(Simd.Width, threads: 2);

    private void Blocked(SimdWidth width, int threads)
        => Gemm.Multiply(width, Shape.TransposeA, Shape.TransposeB, Shape.M, Shape.N, Shape.K, a, Shape.Lda, b, Shape.Ldb, c, Shape.N, threads: threads);

    /// <summary>
    /// The default job for this class when the command line names none: the scalar reference takes 0.5–2 s per call
    /// on the big shapes, so run 2–6 warm-ups and 5–15 measured iterations instead of BenchmarkDotNet's 6–50 and 15–100.
    /// </summary>
    public sealed class GemmJobConfig : ManualConfig
    {
        /// <summary>Adds the job, marked as the default so that any <c>--job</c> on the command line replaces it.</summary>
        public GemmJobConfig()
        {
            AddJob(Job.Default
                .WithMinWarmupCount(2).WithMaxWarmupCount(6)
                .WithMinIterationCount(5).WithMaxIterationCount(15)
                .WithId("GemmDefault")
                .AsDefault());
        }
    }
}
