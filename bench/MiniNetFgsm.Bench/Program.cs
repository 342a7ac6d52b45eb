using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using MiniNetFgsm.Bench.Infrastructure;

namespace MiniNetFgsm.Bench;

/// <summary>
/// Runs the BenchmarkDotNet suites: <c>dotnet run -c Release --project bench/MiniNetFgsm.Bench -- --filter '*'</c>.
/// Besides BenchmarkDotNet's own options it understands <c>--simd-jobs</c>, which runs whatever is selected
/// once per instruction-set level (see <see cref="SimdJobsConfig"/>).
/// </summary>
public static class Program
{
    private const string SimdJobsSwitch = "--simd-jobs";

    /// <summary>Entry point; arguments go to BenchmarkDotNet's switcher.</summary>
    public static void Main(string[] args)
    {
        bool simdJobs = args.Contains(SimdJobsSwitch, StringComparer.OrdinalIgnoreCase);
        args = args.Where(a => !a.Equals(SimdJobsSwitch, StringComparison.OrdinalIgnoreCase)).ToArray();

        // The SIMD jobs must start from the job the user asked for, or --job dry would run them at full length.
        SimdJobsConfig.BaseJob = RequestedJob(args);
        IConfig? config = simdJobs ? ManualConfig.Create(DefaultConfig.Instance).AddJob(SimdJobsConfig.Jobs(SimdJobsConfig.BaseJob).ToArray()) : null;
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    /// <summary>The preset named by <c>--job X</c>, <c>-j X</c> or <c>--job=X</c> (BenchmarkDotNet's own names), else <c>Job.Default</c>.</summary>
    private static Job RequestedJob(string[] args)
    {
        string? name = null;
        for (int i = 0; i < args.Length; i++)
        {
            if ((args[i] is "--job" or "-j") && i + 1 < args.Length)
            {
                name = args[i + 1];
            }
            else if (args[i].StartsWith("--job=", StringComparison.Ordinal))
            {
                name = args[i]["--job=".Length..];
            }
        }

        return name?.ToLowerInvariant() switch
        {
            "dry" => Job.Dry,
            "short" => Job.ShortRun,
            "medium" => Job.MediumRun,
            "long" => Job.LongRun,
            "verylong" => Job.VeryLongRun,
            _ => Job.Default,
        };
    }
}
