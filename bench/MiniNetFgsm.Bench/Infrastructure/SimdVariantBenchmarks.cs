using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Bench.Infrastructure;

/// <summary>
/// The three variants every layer- and model-level benchmark measures on the same work:
/// <list type="bullet">
/// <item><see cref="Scalar"/> (baseline): the library's kernels forced to <see cref="SimdWidth.Scalar"/> via
/// <see cref="Simd.Override"/>, one thread. TensorPrimitives calls inside layers (bias add, ReLU forward,
/// softmax, Adam) stay vectorised; for a fully scalar process use <c>--simd-jobs</c> (HWIntrinsic-off).</item>
/// <item><see cref="BestWidth"/>: the widest width this process accelerates, one thread.</item>
/// <item><see cref="BestWidthTwoThreads"/>: the same on two threads (<see cref="Layers.Layer.Threads"/> = 2).</item>
/// </list>
/// Derived classes build their state in <see cref="Prepare"/> and do one unit of work in <see cref="Run"/>.
/// </summary>
public abstract class SimdVariantBenchmarks
{
    /// <summary>Scalar kernels, one thread.</summary>
    [GlobalSetup(Target = nameof(Scalar))]
    public void SetupScalar() => Setup(SimdWidth.Scalar, threads: 1);

    /// <summary>Widest width, one thread.</summary>
    [GlobalSetup(Target = nameof(BestWidth))]
    public void SetupBestWidth() => Setup(width: null, threads: 1);

    /// <summary>Widest width, two threads.</summary>
    [GlobalSetup(Target = nameof(BestWidthTwoThreads))]
    public void SetupBestWidthTwoThreads() => Setup(width: null, threads: 2);

    /// <summary>Restores the default width (matters only for in-process toolchains, where cases share a process).</summary>
    [GlobalCleanup]
    public void Cleanup() => Simd.Override = null;

    /// <summary>The library's kernels without SIMD.</summary>
    [Benchmark(Baseline = true)]
    public void Scalar() => Run();

    /// <summary>The library's kernels at the widest accelerated width.</summary>
    [Benchmark]
    public void BestWidth() => Run();

    /// <summary>The widest width on two threads.</summary>
    [Benchmark]
    public void BestWidthTwoThreads() => Run();

    /// <summary>Builds the layer or model, its inputs and, where needed, the cached state of a first pass.</summary>
    /// <param name="threads">Worker threads for the layers.</param>
    protected abstract void Prepare(int threads);

    /// <summary>One unit of measured work. Must not allocate.</summary>
    protected abstract void Run();

    private void Setup(SimdWidth? width, int threads)
    {
        Simd.Override = width;
        Prepare(threads);
    }
}
