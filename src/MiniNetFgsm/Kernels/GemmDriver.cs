using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// One register-blocked micro-kernel: computes an MR×NR tile of C from a packed A panel and a packed B panel.
/// </summary>
internal interface IGemmMicroKernel
{
    /// <summary>Columns of the tile (a multiple of the vector width).</summary>
    static abstract int Nr { get; }

    /// <summary>
    /// <c>tile[i, j] (+)= Σ_p a[p·MR + i] · b[p·NR + j]</c> for i &lt; MR, j &lt; NR, p &lt; kc.
    /// a is an A panel packed MR values per k step; b a B panel packed NR values per k step; the tile has row stride ldc.
    /// </summary>
    static abstract unsafe void Run(int kc, float* a, float* b, float* c, int ldc, bool accumulate);
}

/// <summary>
/// The BLIS-style loop nest around a micro-kernel (Goto's algorithm):
/// <code>
/// for jc in steps of NC over N          B block (KC×NC) packed once, shared by all threads
///   for pc in steps of KC over K        (KC×NR B panel stays in L1 while the A block streams)
///     for ic in steps of MC over M      one work item per thread: packs its own MC×KC A block (fits in L2)
///       for jr in steps of NR           macro-kernel: every NR panel of B ...
///         for ir in steps of MR         ... against every MR panel of A: one micro-kernel call
/// </code>
/// Partial tiles at the right and bottom edges run on zero-padded panels into a scratch tile that is then
/// copied out, so the micro-kernel never needs bounds checks. The K order of every sum is fixed
/// (pc blocks in order, p in order inside a block), so the result does not depend on the thread count.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : IGemmMicroKernel
{
    /// <summary>Rows of a micro-tile: 6 rows × 2 vectors = 12 accumulators, which fits the 16 registers of AVX2/SSE.</summary>
    public const int Mr = 6;

    /// <summary>Depth of a packed block: a KC×NR B panel (256×32 floats = 32 KiB at 512 bits) stays in L1.</summary>
    public const int Kc = 256;

    /// <summary>Rows of an A block: MC×KC floats (120 KiB) stay in L2.</summary>
    public const int Mc = 120;

    /// <summary>Columns of a B block.</summary>
    public const int Nc = 2048;

    /// <summary>Below this many multiply-adds a GEMM runs on the calling thread: waking workers costs more.</summary>
    private const long ParallelThreshold = 1L << 18;

    [ThreadStatic]
    private static float[]? packedB;

    [ThreadStatic]
    private static float[]? packedA;

    public static void Run(
        bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, int threads)
    {
        int nr = TKernel.Nr;
        if ((long)m * n * k < ParallelThreshold)
        {
            threads = 1;
        }

        for (int jc = 0; jc < n; jc += Nc)
        {
            int nc = Math.Min(Nc, n - jc);
            int panelsB = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += Kc)
            {
                int kc = Math.Min(Kc, k - pc);
                bool addToC = accumulate || pc > 0;
                float* bp = Pointer(ref packedB, panelsB * nr * kc);
                PackB(transposeB, b, ldb, pc, kc, jc, nc, nr, bp);

                // Split M into blocks of at most MC rows, and into at least `threads` blocks so both cores work
                // even when M is small (dense layers: M = batch).
                int mc = Math.Min(Mc, RoundUp((m + threads - 1) / threads, Mr));
                int blocks = (m + mc - 1) / mc;
                var job = new BlockJob(transposeA, m, a, lda, pc, kc, mc, nc, nr, bp, c + jc, ldc, addToC);
                if (threads == 1 || blocks == 1)
                {
                    for (int block = 0; block < blocks; block++)
                    {
                        job.Run(block);
                    }
                }
                else
                {
                    Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.Run);
                }
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>A thread-local pinned scratch array of at least <paramref name="length"/> floats.</summary>
    private static float* Pointer(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 4096), pinned: true);
        }

        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }

    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc] into NR-wide panels: panel q holds, for each p, NR consecutive columns.</summary>
    private static void PackB(bool transposeB, float* b, int ldb, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            for (int p = 0; p < kc; p++)
            {
                float* d = dst + p * nr;
                if (!transposeB)
                {
                    // op(B)[p, j] = B[p, j]: a contiguous run of the row.
                    new ReadOnlySpan<float>(b + (long)(pc + p) * ldb + jc + j0, cols).CopyTo(new Span<float>(d, cols));
                }
                else
                {
                    // op(B)[p, j] = B[j, p]: a strided walk down a column of the stored matrix.
                    float* s = b + (long)(jc + j0) * ldb + pc + p;
                    for (int j = 0; j < cols; j++)
                    {
                        d[j] = s[(long)j * ldb];
                    }
                }

                for (int j = cols; j < nr; j++)
                {
                    d[j] = 0f;
                }
            }

            dst += kc * nr;
        }
    }

    /// <summary>Packs op(A)[i0..i0+rows, pc..pc+kc] into MR-tall panels: panel holds, for each p, MR consecutive rows.</summary>
    private static void PackA(bool transposeA, float* a, int lda, int i0, int rows, int pc, int kc, float* dst)
    {
        for (int r0 = 0; r0 < rows; r0 += Mr)
        {
            int valid = Math.Min(Mr, rows - r0);
            if (!transposeA)
            {
                // op(A)[i, p] = A[i, p]: MR row pointers walked in step.
                for (int r = 0; r < Mr; r++)
                {
                    if (r < valid)
                    {
                        float* s = a + (long)(i0 + r0 + r) * lda + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            dst[p * Mr + r] = s[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            dst[p * Mr + r] = 0f;
                        }
                    }
                }
            }
            else
            {
                // op(A)[i, p] = A[p, i]: each k step is a contiguous run of MR values.
                for (int p = 0; p < kc; p++)
                {
                    float* s = a + (long)(pc + p) * lda + i0 + r0;
                    float* d = dst + p * Mr;
                    for (int r = 0; r < valid; r++)
                    {
                        d[r] = s[r];
                    }

                    for (int r = valid; r < Mr; r++)
                    {
                        d[r] = 0f;
                    }
                }
            }

            dst += kc * Mr;
        }
    }

    /// <summary>One MC-row block of C for the current (jc, pc): pack A, then sweep all micro-tiles.</summary>
    private sealed class BlockJob(
        bool transposeA, int m, float* a, int lda, int pc, int kc, int mc, int nc, int nr,
        float* packedBBlock, float* c, int ldc, bool addToC)
    {
        public void Run(int block)
        {
            int i0 = block * mc;
            int rows = Math.Min(mc, m - i0);
            int panelsA = (rows + Mr - 1) / Mr;
            float* ap = Pointer(ref packedA, panelsA * Mr * kc);
            PackA(transposeA, a, lda, i0, rows, pc, kc, ap);

            float* tile = stackalloc float[Mr * 64];
            for (int j0 = 0; j0 < nc; j0 += nr)
            {
                int cols = Math.Min(nr, nc - j0);
                float* bPanel = packedBBlock + (long)(j0 / nr) * kc * nr;
                for (int r0 = 0; r0 < rows; r0 += Mr)
                {
                    int valid = Math.Min(Mr, rows - r0);
                    float* aPanel = ap + (long)(r0 / Mr) * kc * Mr;
                    float* cTile = c + (long)(i0 + r0) * ldc + j0;
                    if (valid == Mr && cols == nr)
                    {
                        TKernel.Run(kc, aPanel, bPanel, cTile, ldc, addToC);
                    }
                    else
                    {
                        // Edge tile: compute the full padded tile into scratch, copy out the valid part.
                        TKernel.Run(kc, aPanel, bPanel, tile, nr, accumulate: false);
                        for (int i = 0; i < valid; i++)
                        {
                            for (int j = 0; j < cols; j++)
                            {
                                float v = tile[i * nr + j];
                                cTile[(long)i * ldc + j] = addToC ? cTile[(long)i * ldc + j] + v : v;
                            }
                        }
                    }
                }
            }
        }
    }
}
