using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;

namespace MiniNetFgsm.Bench.Infrastructure;

/// <summary>
/// The settings every MiniNetFgsm benchmark class shares: the GFLOP/s columns, allocation counts (the measured
/// methods should allocate nothing), wide enough parameter columns for shape names, and the filter that skips
/// explicit-width variants the CPU (or the job's environment) cannot run.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class MiniNetConfigAttribute : Attribute, IConfigSource
{
    /// <summary>Builds the shared config.</summary>
    public MiniNetConfigAttribute()
    {
        Config = ManualConfig.CreateEmpty()
            .AddColumn(GflopsColumn.FromMean, GflopsColumn.FromMedian)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddFilter(SimdAvailability.Filter)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
    }

    /// <inheritdoc />
    public IConfig Config { get; }
}
