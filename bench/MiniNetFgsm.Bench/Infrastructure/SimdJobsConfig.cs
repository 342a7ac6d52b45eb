using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace MiniNetFgsm.Bench.Infrastructure;

/// <summary>
/// Runs the same benchmarks in four processes that differ only in which instruction sets the runtime may use,
/// so the summary shows what each vector width buys end to end (our kernels, TensorPrimitives and the JIT alike):
/// <list type="bullet">
/// <item>the base job, unchanged (its own Id, e.g. <c>DefaultJob</c> or <c>ShortRun</c>): everything the CPU has;</item>
/// <item><c>AVX512-off</c>: <c>DOTNET_EnableAVX512F=0</c> (and .NET 10's <c>DOTNET_EnableAVX512=0</c>): at most 256-bit vectors;</item>
/// <item><c>AVX2-off</c>: <c>DOTNET_EnableAVX2=0</c>: at most 128-bit vectors (Vector256 needs AVX2);</item>
/// <item><c>HWIntrinsic-off</c>: <c>DOTNET_EnableHWIntrinsic=0</c>: no SIMD at all.</item>
/// </list>
/// Opt-in: <see cref="SimdWidthsBenchmarks"/> carries it, and <c>--simd-jobs</c> on the command line adds it to any run.
/// The jobs start from <see cref="BaseJob"/>, which <see cref="Program"/> sets from <c>--job</c> so that
/// <c>--job dry</c> or <c>--job short</c> shortens these jobs too instead of running beside them.
/// </summary>
public sealed class SimdJobsConfig : ManualConfig
{
    /// <summary>Creates the four jobs from <see cref="BaseJob"/>.</summary>
    public SimdJobsConfig()
    {
        AddJob(Jobs(BaseJob).ToArray());
    }

    /// <summary>The job the four variants are derived from (<c>Job.Default</c> unless <c>--job</c> says otherwise).</summary>
    public static Job BaseJob { get; set; } = Job.Default;

    /// <summary>The base job and its three reduced-instruction-set copies.</summary>
    public static IEnumerable<Job> Jobs(Job baseJob)
    {
        // The unchanged base job is the "Default" row. It is added as is (not renamed) so that it merges with
        // the identical job BenchmarkDotNet adds for --job, instead of running twice.
        yield return baseJob;
        yield return baseJob.WithEnvironmentVariables(
            new EnvironmentVariable("DOTNET_EnableAVX512F", "0"),
            new EnvironmentVariable("DOTNET_EnableAVX512", "0")).WithId("AVX512-off");
        yield return baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX2", "0")).WithId("AVX2-off");
        yield return baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableHWIntrinsic", "0")).WithId("HWIntrinsic-off");
    }
}

/// <summary>Applies <see cref="SimdJobsConfig"/> to a benchmark class.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SimdJobsAttribute : Attribute, IConfigSource
{
    /// <inheritdoc />
    public IConfig Config { get; } = new SimdJobsConfig();
}
