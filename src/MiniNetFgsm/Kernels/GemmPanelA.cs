using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// Where a micro-kernel finds its MR rows of A: at each k step row i's value is <c>a[Row(i, lda)]</c>, and
/// <c>a</c> then moves <c>Step(MR)</c> floats on. The kernels are generic over it, so each layout compiles to its own
/// code with the offsets folded in: <see cref="PackedPanelA"/> is the usual packed panel, <see cref="BroadcastPanelA"/>
/// the same with each value stored 4 times (for SSE-only x64), <see cref="StridedPanelA"/> reads A's rows where they are stored.
/// </summary>
internal interface IGemmPanelA
{
    /// <summary>Offset of row i's value from the current k step's position.</summary>
    static abstract nint Row(int i, nint lda);

    /// <summary>How many floats the position moves from one k step to the next.</summary>
    static abstract nint Step(int mr);

    /// <summary>Called once per k step p: a hint that the next row panel (MR rows from <paramref name="next"/>, lda apart) is read soon.</summary>
    static abstract unsafe void Prefetch(int p, float* next, nint lda, int mr);

    /// <summary>Copies of each value stored side by side: 1, or 4 in a <see cref="BroadcastPanelA"/>, whose values a
    /// 128-bit kernel loads as whole vectors instead of broadcasting them.</summary>
    static virtual int Copies => 1;
}

/// <summary>A packed MR-tall panel: the MR rows' values of each k step lie side by side.</summary>
internal readonly struct PackedPanelA : IGemmPanelA
{
    public static nint Row(int i, nint lda) => i;

    public static nint Step(int mr) => mr;

    public static unsafe void Prefetch(int p, float* next, nint lda, int mr)
    {
    }
}

/// <summary>
/// A packed MR-tall panel with every value stored 4 times, as the 128-bit vector the kernel multiplies by: for SSE-only
/// x64 (<see cref="GemmMicroKernel128Broadcast"/>). SSE has no broadcast from memory: each <c>Vector128.Create(a[i])</c>
/// is a load and a shuffle, and the shuffles compete for a port with the adds (SSE has no fused multiply-add), so a
/// k step of the 6×8 tile took about 10 cycles for its 12 multiplies and 12 adds; loaded whole, it takes about 8.
/// </summary>
internal readonly struct BroadcastPanelA : IGemmPanelA
{
    public static nint Row(int i, nint lda) => 4 * i;

    public static nint Step(int mr) => 4 * mr;

    public static unsafe void Prefetch(int p, float* next, nint lda, int mr)
    {
    }

    public static int Copies => 4;
}

/// <summary>
/// A's own rows, read in place without packing: row i is lda floats after row i − 1, and each k step is one float
/// further along every row. Every other k step the kernel prefetches one cache line of the next row panel into L1,
/// cycling through its MR rows, 16 floats further along each row per round, so kc steps cover the kc values of each
/// of the next panel's rows. Without that, each row is a run of only kc·4 bytes (1,152 for conv2's K = 288) before the
/// kernel jumps to the next panel, too short for the hardware prefetcher to lock on to, and the
/// explicit prefetch is what makes reading A in place beat packing it (figures in bench/README.md).
/// </summary>
internal readonly struct StridedPanelA : IGemmPanelA
{
    public static nint Row(int i, nint lda) => i * lda;

    public static nint Step(int mr) => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(int p, float* next, nint lda, int mr)
    {
        if (Sse.IsSupported && (p & 1) == 0)
        {
            int line = p >> 1;
            Sse.Prefetch0(next + (line % mr) * lda + (line / mr) * 16);
        }
    }
}
