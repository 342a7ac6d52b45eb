using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using MiniNetFgsm.Bench.Infrastructure;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Bench;

/// <summary>
/// One idea: the most float32 arithmetic this CPU retires from C#, the ceiling every other GFLOP/s figure is a
/// fraction of. Each variant runs 12 independent chains of fused multiply-adds (a = a·m + c) in registers, with no
/// memory traffic: 12 chains cover the FMA latency (4 cycles) on two FMA pipes with room to spare, and 12 chains plus
/// the two constants fit in the 16 vector registers of AVX2 (x64 without AVX-512). With 16 chains the JIT spills
/// there, and the loop measured half the real peak on a Zen 3 (48 against 91 GFLOP/s per core).
/// </summary>
/// <remarks>
/// Every variant performs the same number of FLOPs (<see cref="FmaWork.Flops"/>); a wider vector just needs fewer
/// iterations. The two-thread variant splits the iterations between two threads.
/// </remarks>
[MiniNetConfig]
public class PeakFmaBenchmarks
{
    private const int Chains = 12;

    /// <summary>The amount of arithmetic per call.</summary>
    [ParamsSource(nameof(Works))]
    public FmaWork Work { get; set; } = FmaWork.Default;

    /// <summary>One size: 768 MFLOP, a few milliseconds at peak.</summary>
    public static IEnumerable<FmaWork> Works => [FmaWork.Default];

    /// <summary>Scalar FMAs (<see cref="MathF.FusedMultiplyAdd"/>), one thread.</summary>
    [Benchmark(Baseline = true)]
    public float Scalar() => RunScalar(Work.Flops / (2 * Chains));

    /// <summary>128-bit FMAs, one thread.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V128)]
    public float Fma128() => Run128(Work.Flops / (2 * Chains * 4));

    /// <summary>256-bit FMAs, one thread.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V256)]
    public float Fma256() => Run256(Work.Flops / (2 * Chains * 8));

    /// <summary>512-bit FMAs, one thread.</summary>
    [Benchmark, RequiresWidth(SimdWidth.V512)]
    public float Fma512() => Run512(Work.Flops / (2 * Chains * 16));

    /// <summary>The widest accelerated width on two threads, half the iterations each.</summary>
    [Benchmark]
    public float WidestTwoThreads()
    {
        float[] results = new float[2];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, t => results[t] = Simd.Width switch
        {
            SimdWidth.V512 => Run512(Work.Flops / (4 * Chains * 16)),
            SimdWidth.V256 => Run256(Work.Flops / (4 * Chains * 8)),
            SimdWidth.V128 => Run128(Work.Flops / (4 * Chains * 4)),
            _ => RunScalar(Work.Flops / (4 * Chains)),
        });
        return results[0] + results[1];
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run512(long iterations)
    {
        Vector512<float> m = Vector512.Create(0.9999999f), c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run256(long iterations)
    {
        Vector256<float> m = Vector256.Create(0.9999999f), c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector256<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run128(long iterations)
    {
        Vector128<float> m = Vector128.Create(0.9999999f), c = Vector128.Create(1e-7f);
        Vector128<float> a0 = Vector128.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector128<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, c); a1 = Vector128.FusedMultiplyAdd(a1, m, c);
            a2 = Vector128.FusedMultiplyAdd(a2, m, c); a3 = Vector128.FusedMultiplyAdd(a3, m, c);
            a4 = Vector128.FusedMultiplyAdd(a4, m, c); a5 = Vector128.FusedMultiplyAdd(a5, m, c);
            a6 = Vector128.FusedMultiplyAdd(a6, m, c); a7 = Vector128.FusedMultiplyAdd(a7, m, c);
            a8 = Vector128.FusedMultiplyAdd(a8, m, c); a9 = Vector128.FusedMultiplyAdd(a9, m, c);
            a10 = Vector128.FusedMultiplyAdd(a10, m, c); a11 = Vector128.FusedMultiplyAdd(a11, m, c);
        }

        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float RunScalar(long iterations)
    {
        const float m = 0.9999999f, c = 1e-7f;
        float a0 = 1f, a1 = 1f, a2 = 1f, a3 = 1f, a4 = 1f, a5 = 1f;
        float a6 = 1f, a7 = 1f, a8 = 1f, a9 = 1f, a10 = 1f, a11 = 1f;
        for (long i = 0; i < iterations; i++)
        {
            a0 = MathF.FusedMultiplyAdd(a0, m, c); a1 = MathF.FusedMultiplyAdd(a1, m, c);
            a2 = MathF.FusedMultiplyAdd(a2, m, c); a3 = MathF.FusedMultiplyAdd(a3, m, c);
            a4 = MathF.FusedMultiplyAdd(a4, m, c); a5 = MathF.FusedMultiplyAdd(a5, m, c);
            a6 = MathF.FusedMultiplyAdd(a6, m, c); a7 = MathF.FusedMultiplyAdd(a7, m, c);
            a8 = MathF.FusedMultiplyAdd(a8, m, c); a9 = MathF.FusedMultiplyAdd(a9, m, c);
            a10 = MathF.FusedMultiplyAdd(a10, m, c); a11 = MathF.FusedMultiplyAdd(a11, m, c);
        }

        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }
}

/// <summary>A fixed amount of multiply-add arithmetic, the workload of <see cref="PeakFmaBenchmarks"/>.</summary>
/// <param name="Flops">Floating-point operations per call (a multiply-add counts as 2); a multiple of 4·12·16, so every variant's
/// iteration count is exact.</param>
public sealed record FmaWork(long Flops) : IWorkload
{
    /// <summary>3·2²⁸ FLOPs (768 MFLOP).</summary>
    public static FmaWork Default { get; } = new(3L << 28);

    /// <inheritdoc />
    public override string ToString() => $"{Flops >> 20} MFLOP";
}
