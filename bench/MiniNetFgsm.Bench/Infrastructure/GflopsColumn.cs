using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MiniNetFgsm.Bench.Infrastructure;

/// <summary>
/// Throughput column: the <see cref="IWorkload.Flops"/> of the benchmark's workload parameter divided by its
/// mean (or median) time. One FLOP per nanosecond is one GFLOP/s, so the value is simply flops / ns.
/// Shows "-" for cases without a workload parameter or without results.
/// </summary>
public sealed class GflopsColumn : IColumn
{
    private readonly bool median;

    private GflopsColumn(bool median) => this.median = median;

    /// <summary>GFLOP/s from the mean time (the brief's headline number).</summary>
    public static GflopsColumn FromMean { get; } = new(median: false);

    /// <summary>GFLOP/s from the median time: steadier when the machine is shared.</summary>
    public static GflopsColumn FromMedian { get; } = new(median: true);

    /// <inheritdoc />
    public string Id => median ? "GflopsMedian" : "GflopsMean";

    /// <inheritdoc />
    public string ColumnName => median ? "GFLOP/s (median)" : "GFLOP/s";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => median ? 1 : 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => median
        ? "Workload FLOPs divided by the median time (GFLOP/s = FLOPs / ns)"
        : "Workload FLOPs divided by the mean time (GFLOP/s = FLOPs / ns)";

    /// <summary>The workload parameter of a benchmark case, if it has one.</summary>
    public static IWorkload? WorkloadOf(BenchmarkCase benchmarkCase)
        => benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<IWorkload>().FirstOrDefault();

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => WorkloadOf(c) is not null);

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (WorkloadOf(benchmarkCase) is not { } workload || statistics is null)
        {
            return "-";
        }

        double nanoseconds = median ? statistics.Median : statistics.Mean;
        if (!(nanoseconds > 0))
        {
            return "-";
        }

        double gflops = workload.Flops / nanoseconds;
        return gflops.ToString(Format(gflops), style.CultureInfo ?? CultureInfo.InvariantCulture);
    }

    /// <summary>About three significant digits: 123, 12.3, 1.23, 0.123, 0.0123.</summary>
    private static string Format(double value) => value switch
    {
        >= 100 => "N0",
        >= 10 => "N1",
        >= 1 => "N2",
        >= 0.1 => "N3",
        _ => "N4",
    };

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
