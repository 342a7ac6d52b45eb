using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Bench.Infrastructure;

/// <summary>
/// Marks a benchmark that calls a kernel with an explicit <see cref="SimdWidth"/>. <see cref="SimdAvailability"/>
/// drops the benchmark for jobs where that width is not accelerated, because the library then runs a
/// different (narrower or scalar) kernel and the row would be mislabelled.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresWidthAttribute(SimdWidth width) : Attribute
{
    /// <summary>The vector width the benchmark asks for.</summary>
    public SimdWidth Width { get; } = width;
}
