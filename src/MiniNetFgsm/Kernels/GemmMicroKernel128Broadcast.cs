using System.Runtime.CompilerServices;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// <see cref="GemmMicroKernel128"/> on A panels packed with every value stored 4 times (<see cref="BroadcastPanelA"/>),
/// for x64 without AVX (<see cref="Gemm.PrefersBroadcastPanels"/>). Such an A panel is never read in place.
/// </summary>
internal readonly struct GemmMicroKernel128Broadcast : IGemmMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 8;

    /// <summary>128 k steps: the A panel (6 × 128 × 4 floats, 12 KiB) and the B panel (4 KiB) stay in L1 together, also
    /// in the 24–32 KiB L1 of the small cores that lack AVX.</summary>
    public static int Kc => 128;

    public static int PackedACopies => BroadcastPanelA.Copies;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Run<TA>(int kc, float* a, nint lda, float* next, float* b, float* c, int ldc, bool accumulate)
        where TA : IGemmPanelA
        => GemmMicroKernel128.Run<TA>(kc, a, lda, next, b, c, ldc, accumulate);
}
