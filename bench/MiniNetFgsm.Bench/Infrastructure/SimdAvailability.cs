using System.Reflection;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Bench.Infrastructure;

/// <summary>
/// Which vector widths a benchmark process will have: what this CPU accelerates (<see cref="Simd.Supported"/>,
/// seen from the host process), narrowed by the <c>DOTNET_Enable*</c> variables a job sets for its child process.
/// </summary>
public static class SimdAvailability
{
    /// <summary>A filter that keeps a benchmark unless it carries a <see cref="RequiresWidthAttribute"/> whose width the job lacks.</summary>
    public static IFilter Filter { get; } = new SimpleFilter(IsRunnable);

    /// <summary>The widest vector width a process started by <paramref name="job"/> can use.</summary>
    public static SimdWidth WidestFor(Job job)
    {
        SimdWidth widest = Simd.Supported[^1];
        foreach (EnvironmentVariable variable in job.Environment.EnvironmentVariables ?? [])
        {
            if (variable.Value.Trim() != "0")
            {
                continue;
            }

            SimdWidth cap = variable.Key.ToUpperInvariant() switch
            {
                "DOTNET_ENABLEHWINTRINSIC" => SimdWidth.Scalar,
                "DOTNET_ENABLEAVX" or "DOTNET_ENABLEAVX2" => SimdWidth.V128,
                "DOTNET_ENABLEAVX512F" or "DOTNET_ENABLEAVX512" => SimdWidth.V256,
                _ => SimdWidth.V512,
            };
            widest = cap < widest ? cap : widest;
        }

        return widest;
    }

    private static bool IsRunnable(BenchmarkCase benchmarkCase)
        => benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<RequiresWidthAttribute>() is not { } requirement
           || requirement.Width <= WidestFor(benchmarkCase.Job);
}
