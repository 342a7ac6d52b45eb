using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// One register-blocked micro-kernel: computes an MR×NR tile of C from a packed A panel and a packed B panel.
/// </summary>
internal interface IGemmMicroKernel
{
    /// <summary>Rows of the tile (at most 8).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the tile (a multiple of the vector width).</summary>
    static abstract int Nr { get; }

    /// <summary>Depth of a packed block: a KC×NR B panel stays in L1 while A panels stream past it.</summary>
    static abstract int Kc { get; }

    /// <summary>
    /// <c>tile[i, j] (+)= Σ_p A[i, p] · b[p·NR + j]</c> for i &lt; MR, j &lt; NR, p &lt; kc, where
    /// <c>A[i, p] = a[p·TA.Step(MR) + TA.Row(i, lda)]</c>: a packed A panel (<see cref="PackedPanelA"/>, MR values per k
    /// step, or <see cref="BroadcastPanelA"/>, MR·4; lda and next unused) or A's own rows lda apart (<see cref="StridedPanelA"/>, next being the following row
    /// panel, to prefetch). b is a B panel packed NR values per k step; the tile has row stride ldc.
    /// </summary>
    static abstract unsafe void Run<TA>(int kc, float* a, nint lda, float* next, float* b, float* c, int ldc, bool accumulate)
        where TA : IGemmPanelA;

    /// <summary>Copies of each value in a packed A panel: 1 (<see cref="PackedPanelA"/>), or 4 (<see cref="BroadcastPanelA"/>,
    /// which is never read in place).</summary>
    static virtual int PackedACopies => 1;
}

/// <summary>
/// The BLIS-style loop nest around a micro-kernel (Goto's algorithm), on one thread:
/// <code>
/// for jc in steps of NC over N          B block (KC×NC) packed into NR-wide panels
///   for pc in steps of KC over K        (a KC×NR B panel stays in L1 while the A block streams from L2)
///     for ic in steps of MC over M      A block (MC×KC) packed into MR-tall panels, fits in L2
///       for jr in steps of NR           macro-kernel: every NR panel of B ...
///         for ir in steps of MR         ... against every MR panel of A: one micro-kernel call
/// </code>
/// Partial tiles at the right and bottom edges run on zero-padded panels into a scratch tile that is then
/// copied out, so the micro-kernel never needs bounds checks. A row-major A against a single column block of B is not
/// packed at all (<see cref="ReadsAInPlace"/>): the row panels are then the outer loop, read where A stores them.
/// <para>Threads: C is cut into one rectangle per thread along M or N (whichever has more tiles), and each
/// thread runs the whole loop nest on its rectangle with its own packing buffers. The K order of every sum
/// is unchanged, so the result is bit-identical for any thread count. When both M and N are too small to cut
/// (weight gradients: M·N small, K = batch·pixels huge), K is cut instead: each thread sums its K range into a
/// private C, and the partial Cs are added in thread order — deterministic for a given thread count.</para>
/// </summary>
internal static unsafe partial class GemmDriver<TKernel> where TKernel : IGemmMicroKernel
{
    /// <summary>Rows of a micro-tile, the kernel's: 6 with 16 vector registers (AVX2, SSE, NEON's kernel width), 8 with AVX-512's 32.</summary>
    private static int Mr => TKernel.Mr;

    /// <summary>Depth of a packed block, the kernel's: a KC×NR B panel stays in L1 (256×32 floats = 32 KiB for 8×32).</summary>
    private static int Kc => TKernel.Kc;

    /// <summary>Rows of an A block: MC×KC floats (120 KiB; 240 KiB as <see cref="BroadcastPanelA"/> panels of KC = 128) stay in L2.</summary>
    public const int Mc = 120;

    /// <summary>Columns of a B block, rounded down to whole NR panels: a KC×NC packed block (at most 320×1024 floats =
    /// 1.25 MiB; 144×1024 = 576 KiB for K = 288 with the 8×48 kernel) stays in the 1–2 MiB L2 of the AVX-512 machines;
    /// 2048 spilled to L3, and smaller blocks gained nothing on a 512 KiB L2 (bench/MiniNetFgsm.Bench/README.md).</summary>
    private static int Nc => 1024 / TKernel.Nr * TKernel.Nr;

    /// <summary>
    /// From this many elements of C (512 KiB, a small core's L2) on, each micro-tile of C is prefetched into L1 just
    /// before its micro-kernel call: C that large is not in cache, and the tile's 6–8 rows, a whole row stride apart,
    /// are separate streams that the hardware prefetcher does not follow. The kernel then overlaps those misses with
    /// its k loop instead of waiting for them at its final loads and stores (fc1's weight gradient gains most). Small
    /// products keep their C in cache and skip it: a dozen prefetches are a visible share of a K = 32 tile.
    /// </summary>
    private const long PrefetchCThreshold = 1L << 17;

    /// <summary>Below this many multiply-adds a GEMM runs on the calling thread: waking workers costs more.</summary>
    private const long ParallelThreshold = 1L << 17;

    public static void Run(
        bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, int threads)
    {
        int nr = TKernel.Nr;
        int tilesM = (m + Mr - 1) / Mr, tilesN = (n + nr - 1) / nr;
        if (threads <= 1 || (long)m * n * k < ParallelThreshold)
        {
            Serial(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        }
        else if (Math.Max(tilesM, tilesN) >= threads)
        {
            bool splitM = tilesM >= tilesN;
            int tiles = splitM ? tilesM : tilesN, unit = splitM ? Mr : nr;
            var job = new RectangleJob(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, splitM, tiles, unit, threads);
            // threads ranges over [0, threads): range p is [p, p + 1), one part per thread.
            Parallelism.ForRanges(threads, threads, job, static (j, part, _) => j.Run(part));
        }
        else if (k >= threads * Kc)
        {
            // Partial results live in the calling thread's scratch: a worker may run several parts in turn.
            float* partials = GemmWorkspace.ForThisThread.PartialC(threads * m * n);
            var job = new SplitKJob(transposeA, transposeB, m, n, k, a, lda, b, ldb, threads, partials);
            Parallelism.ForRanges(threads, threads, job, static (j, part, _) => j.Run(part));
            job.Reduce(c, ldc, accumulate);
        }
        else
        {
            Serial(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        }
    }

    /// <summary>The loop nest on the calling thread.</summary>
    private static void Serial(
        bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        int nr = TKernel.Nr;
        float* tile = stackalloc float[Mr * TKernel.Nr];
        bool prefetchC = Sse.IsSupported && (long)m * n >= PrefetchCThreshold;
        bool stridedA = ReadsAInPlace(transposeA, n, lda);
        GemmWorkspace workspace = GemmWorkspace.ForThisThread;
        for (int jc = 0; jc < n; jc += Nc)
        {
            int nc = Math.Min(Nc, n - jc);
            int panelsB = (nc + nr - 1) / nr;
            // K in equal blocks of at most KC (with the 8×48 kernel's KC of 160, 288 = 2 × 144, not 160 + 128): a short
            // last block would store and reload every C tile for a few k steps. Up to 5/4 of KC stays one block (so the B
            // panel can reach 5/4 of its nominal size): with the 6×16 AVX2 kernel, K = 288 in one block of 288 (an 18 KiB
            // B panel, still in a 32 KiB L1) beats two blocks of 144, while stretching every block by 5/4 (fc1's K = 9,216)
            // loses. On the AVX-512 kernels it changes only K in (256, 320] for 8×32 (lenet's fc1) and (160, 200] for 8×48.
            int blocks = k <= Kc * 5 / 4 ? 1 : (k + Kc - 1) / Kc;
            int kBlock = (k + blocks - 1) / Math.Max(1, blocks);
            for (int pc = 0; pc < k; pc += kBlock)
            {
                int kc = Math.Min(kBlock, k - pc);
                bool addToC = accumulate || pc > 0;
                float* bp = workspace.PackedB(panelsB * nr * kc);
                PackB(transposeB, b, ldb, pc, kc, jc, nc, nr, bp);
                if (stridedA)
                {
                    StridedMacroKernel(a + pc, lda, m, bp, nc, kc, c + jc, ldc, addToC, prefetchC, tile);
                    continue;
                }

                for (int ic = 0; ic < m; ic += Mc)
                {
                    int rows = Math.Min(Mc, m - ic);
                    float* ap = workspace.PackedA(((rows + Mr - 1) / Mr * Mr * kc + 8) * TKernel.PackedACopies);
                    PackA(transposeA, a, lda, ic, rows, pc, kc, ap);
                    MacroKernel(ap, bp, rows, nc, kc, c + (long)ic * ldc + jc, ldc, addToC, prefetchC, tile);
                }
            }
        }
    }

    /// <summary>
    /// Whether the loop nest reads A in place (<see cref="StridedMacroKernel"/>) instead of packing it: for a row-major A
    /// against a B of a single column block (N ≤ NC), where each A value is read from memory once either way. Packing
    /// reads and writes every value once more and cannot overlap that memory traffic with the multiply; read in place,
    /// with the next row panel prefetched by the micro-kernel (<see cref="StridedPanelA"/>), A's memory latency hides
    /// behind the FMAs (the large unfolded products gain most; bench/MiniNetFgsm.Bench/README.md has the figures). Rows
    /// 4 KiB apart (lda a multiple of 1,024, such as fc1's 9,216 inputs) would all fall in one L1 set, so such an A is
    /// packed as before.
    /// </summary>
    internal static bool ReadsAInPlace(bool transposeA, int n, int lda)
        => !transposeA && n <= Nc && lda % 1024 != 0 && TKernel.PackedACopies == 1;

    /// <summary>
    /// Every micro-tile of an (rows × nc) block of C, A read in place (rows lda apart) against a packed B block: row
    /// panels outer, so a panel's MR rows come from memory once, for its first B panel, and from L1 for the others.
    /// A last partial row panel is packed, zero-padded, and goes through <see cref="MacroKernel"/>. (Its tile dispatch
    /// repeats MacroKernel's on purpose: one shared inlined helper for both was slower on Winograd's small
    /// weight-gradient products.)
    /// </summary>
    private static void StridedMacroKernel(float* a, int lda, int rows, float* bp, int nc, int kc, float* c, int ldc, bool addToC, bool prefetchC, float* tile)
    {
        int nr = TKernel.Nr, full = rows / Mr * Mr;
        for (int r0 = 0; r0 < full; r0 += Mr)
        {
            float* aPanel = a + (long)r0 * lda;
            float* next = r0 + Mr < full ? aPanel + (long)Mr * lda : aPanel;
            for (int j0 = 0; j0 < nc; j0 += nr)
            {
                int cols = Math.Min(nr, nc - j0);
                float* bPanel = bp + (long)(j0 / nr) * kc * nr;
                float* cTile = c + (long)r0 * ldc + j0;

                // A is read in place: MR whole rows of kc floats from row r0 (full ≤ rows, checked by the caller's
                // Validate); B's panel lies inside this thread's packed block.
                Debug.Assert(r0 + Mr <= rows && kc <= lda && GemmWorkspace.ForThisThread.Holds(bPanel, (long)kc * nr), "an A row panel or a B panel out of range");
                if (prefetchC)
                {
                    PrefetchTile(cTile, ldc, Mr, cols);
                }

                if (cols == nr)
                {
                    TKernel.Run<StridedPanelA>(kc, aPanel, lda, next, bPanel, cTile, ldc, addToC);
                }
                else
                {
                    TKernel.Run<StridedPanelA>(kc, aPanel, lda, next, bPanel, tile, nr, accumulate: false);
                    CopyOut(tile, nr, cTile, ldc, Mr, cols, addToC);
                }
            }
        }

        if (full < rows)
        {
            int valid = rows - full;
            float* ap = GemmWorkspace.ForThisThread.PackedA(Mr * kc + 8);
            PackA(transposeA: false, a, lda, full, valid, 0, kc, ap);
            MacroKernel(ap, bp, valid, nc, kc, c + (long)full * ldc, ldc, addToC, prefetchC, tile);
        }
    }

    /// <summary>Every micro-tile of an (rows × nc) block of C from packed A and B blocks.</summary>
    private static void MacroKernel(float* ap, float* bp, int rows, int nc, int kc, float* c, int ldc, bool addToC, bool prefetchC, float* tile)
    {
        int nr = TKernel.Nr;
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            float* bPanel = bp + (long)(j0 / nr) * kc * nr;
            for (int r0 = 0; r0 < rows; r0 += Mr)
            {
                int valid = Math.Min(Mr, rows - r0);
                float* aPanel = ap + (long)(r0 / Mr) * kc * Mr * TKernel.PackedACopies;
                float* cTile = c + (long)r0 * ldc + j0;

                // The micro-kernel streams kc·MR floats of the A panel and kc·NR of the B panel, unchecked: both inside
                // this thread's packed blocks; its tile of C is rows [r0, r0 + valid) and columns [j0, j0 + cols).
                Debug.Assert(GemmWorkspace.ForThisThread.Holds(aPanel, (long)kc * Mr * TKernel.PackedACopies) && GemmWorkspace.ForThisThread.Holds(bPanel, (long)kc * nr), "a packed panel outside the workspace");
                Debug.Assert(r0 + valid <= rows && j0 + cols <= nc && (valid == Mr || r0 + valid == rows));
                if (prefetchC)
                {
                    PrefetchTile(cTile, ldc, valid, cols);
                }

                // Edge tile: compute the full padded tile into scratch, then copy out the valid part.
                bool whole = valid == Mr && cols == nr;
                if (TKernel.PackedACopies == 1)
                {
                    TKernel.Run<PackedPanelA>(kc, aPanel, 0, null, bPanel, whole ? cTile : tile, whole ? ldc : nr, whole && addToC);
                }
                else
                {
                    TKernel.Run<BroadcastPanelA>(kc, aPanel, 0, null, bPanel, whole ? cTile : tile, whole ? ldc : nr, whole && addToC);
                }

                if (!whole)
                {
                    CopyOut(tile, nr, cTile, ldc, valid, cols, addToC);
                }
            }
        }
    }

    /// <summary>Prefetches into L1 the first and last element of each row of a rows × cols tile of C (a row of 16 or 32
    /// floats spans two or three cache lines unless C is 64-byte aligned; the middle one of three is left to the
    /// adjacent-line prefetcher).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ldc, int rows, int cols)
    {
        for (int i = 0; i < rows; i++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + cols - 1);
        }
    }

    /// <summary>C[i, j] (+)= tile[i, j] for i &lt; rows, j &lt; cols: an edge tile's valid part, 8 and 4 at a time. (On
    /// Winograd's products, N = 169 tiles makes one tile in eleven an edge, so a scalar copy showed.)</summary>
    private static void CopyOut(float* tile, int nr, float* c, int ldc, int rows, int cols, bool add)
    {
        for (int i = 0; i < rows; i++, tile += nr, c += ldc)
        {
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= cols - 8; j += 8)
                {
                    Vector256<float> v = Vector256.Load(tile + j);
                    Vector256.Store(add ? v + Vector256.Load(c + j) : v, c + j);
                }
            }

            for (; Vector128.IsHardwareAccelerated && j <= cols - 4; j += 4)
            {
                Vector128<float> v = Vector128.Load(tile + j);
                Vector128.Store(add ? v + Vector128.Load(c + j) : v, c + j);
            }

            for (; j < cols; j++)
            {
                c[j] = add ? c[j] + tile[j] : tile[j];
            }
        }
    }

    /// <summary>One thread's rectangle of C: a contiguous range of MR-row (or NR-column) tiles. A struct, so that handing
    /// it to <see cref="Parallelism.ForRanges"/> allocates nothing.</summary>
    private readonly struct RectangleJob(
        bool transposeA, bool transposeB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc,
        bool accumulate, bool splitM, int tiles, int unit, int parts)
    {
        public void Run(int part)
        {
            int first = (int)((long)tiles * part / parts) * unit, last = Math.Min((int)((long)tiles * (part + 1) / parts) * unit, splitM ? m : n);
            if (first >= last)
            {
                return;
            }

            if (splitM)
            {
                float* aPart = transposeA ? a + first : a + (long)first * lda;
                Serial(transposeA, transposeB, last - first, n, k, aPart, lda, b, ldb, c + (long)first * ldc, ldc, accumulate);
            }
            else
            {
                float* bPart = transposeB ? b + (long)first * ldb : b + first;
                Serial(transposeA, transposeB, m, last - first, k, a, lda, bPart, ldb, c + first, ldc, accumulate);
            }
        }
    }

    /// <summary>Cuts K into one range per thread; each thread writes op(A)[:, range] · op(B)[range, :] into its own buffer.</summary>
    private readonly struct SplitKJob(bool transposeA, bool transposeB, int m, int n, int k, float* a, int lda, float* b, int ldb, int parts, float* partials)
    {
        public void Run(int part)
        {
            // Ranges are whole KC blocks so each partial sum keeps the serial blocking.
            int blocks = (k + Kc - 1) / Kc;
            int first = (int)((long)blocks * part / parts) * Kc, last = Math.Min((int)((long)blocks * (part + 1) / parts) * Kc, k);
            float* partial = partials + (long)part * m * n;
            if (first >= last)
            {
                new Span<float>(partial, m * n).Clear();
                return;
            }

            float* aPart = transposeA ? a + (long)first * lda : a + first;
            float* bPart = transposeB ? b + first : b + (long)first * ldb;
            Serial(transposeA, transposeB, m, n, last - first, aPart, lda, bPart, ldb, partial, n, accumulate: false);
        }

        /// <summary>C (+)= partial₀ + partial₁ + … in thread order.</summary>
        public void Reduce(float* c, int ldc, bool accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                var row = new Span<float>(c + (long)i * ldc, n);
                if (!accumulate)
                {
                    row.Clear();
                }

                for (int part = 0; part < parts; part++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(partials + ((long)part * m + i) * n, n), row);
                }
            }
        }
    }
}
