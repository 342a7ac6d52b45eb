namespace MiniNetFgsm.Bench.Infrastructure;

/// <summary>
/// A benchmark parameter (a <c>[ParamsSource]</c> value) that knows how much arithmetic one call of the
/// benchmark performs. Every method of a benchmark class does the same work for a given workload (they are
/// variants of one computation), so the count belongs to the workload, not to the method.
/// <see cref="GflopsColumn"/> divides it by the measured time.
/// </summary>
public interface IWorkload
{
    /// <summary>Floating-point operations per call; a multiply-add counts as 2.</summary>
    long Flops { get; }
}
