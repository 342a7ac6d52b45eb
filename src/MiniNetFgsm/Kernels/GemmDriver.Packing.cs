using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// The packing half of the loop nest (see <c>GemmDriver.cs</c>): copies blocks of op(A) and op(B) into the panel order
/// the micro-kernel streams, zero-padding partial panels so the micro-kernel never needs bounds checks.
/// </summary>
internal static unsafe partial class GemmDriver<TKernel>
{
    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc] into NR-wide panels: panel q holds, for each p, NR consecutive columns.</summary>
    private static void PackB(bool transposeB, float* b, int ldb, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        // dst holds ⌈nc / nr⌉ panels of kc × nr floats (GemmWorkspace.PackedB); b holds op(B)[pc + kc − 1, jc + nc − 1].
        Debug.Assert(nc > 0 && nc <= Nc && nr == TKernel.Nr && kc >= 0);
        if (!transposeB)
        {
            PackRowsB(b, ldb, pc, kc, jc, nc, nr, dst);
            return;
        }

        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            int p = 0;
            if (cols == nr && nr % 8 == 0 && Transpose8x8.IsSupported)
            {
                // op(B)[p, j] = B[j, p]: transpose 8×8 blocks in registers (8 stored rows → 8 packed k steps).
                for (; p <= kc - 8; p += 8)
                {
                    for (int j = 0; j < nr; j += 8)
                    {
                        Transpose8x8.Run(b + (long)(jc + j0 + j) * ldb + pc + p, ldb, dst + p * nr + j, nr);
                    }
                }
            }
            else if (cols == nr && nr % 4 == 0 && Transpose4x4.IsSupported)
            {
                // The same with 4×4 blocks where AVX is missing (SSE-only x64, Arm64's NEON).
                for (; p <= kc - 4; p += 4)
                {
                    for (int j = 0; j < nr; j += 4)
                    {
                        Transpose4x4.Run(b + (long)(jc + j0 + j) * ldb + pc + p, ldb, dst + p * nr + j, nr);
                    }
                }
            }

            for (; p < kc; p++)
            {
                // op(B)[p, j] = B[j, p]: a strided walk down a column of the stored matrix.
                float* d = dst + p * nr;
                float* s = b + (long)(jc + j0) * ldb + pc + p;
                for (int j = 0; j < cols; j++)
                {
                    d[j] = s[(long)j * ldb];
                }

                for (int j = cols; j < nr; j++)
                {
                    d[j] = 0f;
                }
            }

            dst += kc * nr;
        }
    }

    /// <summary>
    /// PackB for a row-major B: op(B)[p, j] = B[p, j]. Walks B one stored row at a time and deals each row out to
    /// the panels, so memory is read as kc long sequential runs. (Walking panel by panel instead reads kc rows
    /// interleaved 128 bytes at a time, more streams than the hardware prefetcher follows: on a B too large for
    /// cache, such as the whole-batch conv2 unfold, that made packing slower than the multiply.)
    /// </summary>
    private static void PackRowsB(float* b, int ldb, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        int fullPanels = nc / nr, tail = nc - fullPanels * nr;
        long panelStride = (long)kc * nr;
        for (int p = 0; p < kc; p++)
        {
            float* s = b + (long)(pc + p) * ldb + jc;
            float* d = dst + p * nr;
            // Software prefetch (into L2) of the row six ahead, line by line as this one is copied: each row is a
            // separate run, and the hardware prefetcher only locks on after a run has started.
            float* ahead = p + 6 < kc ? s + 6L * ldb : s;
            for (int q = 0; q < fullPanels; q++, s += nr, d += panelStride, ahead += nr)
            {
                if (Sse.IsSupported)
                {
                    Sse.Prefetch1(ahead);
                    Sse.Prefetch1(ahead + nr - 1);
                }

                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; j <= nr - 16; j += 16)
                    {
                        Vector512.Store(Vector512.Load(s + j), d + j);
                    }
                }

                if (Vector256.IsHardwareAccelerated)
                {
                    for (; j <= nr - 8; j += 8)
                    {
                        Vector256.Store(Vector256.Load(s + j), d + j);
                    }
                }

                for (; j < nr; j += 4)
                {
                    Vector128.Store(Vector128.Load(s + j), d + j);
                }
            }

            if (tail > 0)
            {
                for (int j = 0; j < tail; j++)
                {
                    d[j] = s[j];
                }

                for (int j = tail; j < nr; j++)
                {
                    d[j] = 0f;
                }
            }
        }
    }

    /// <summary>Packs op(A)[i0..i0+rows, pc..pc+kc] into MR-tall panels: panel holds, for each p, MR consecutive rows.</summary>
    private static void PackA(bool transposeA, float* a, int lda, int i0, int rows, int pc, int kc, float* dst)
    {
        if (TKernel.PackedACopies > 1)
        {
            PackABroadcast(transposeA, a, lda, i0, rows, pc, kc, dst);
            return;
        }

        // dst holds ⌈rows / MR⌉ panels of kc × MR floats and 8 more (GemmWorkspace.PackedA), the slack the 8- or 4-wide
        // transposed stores of a 6-row panel write past its last k step (2 floats).
        Debug.Assert(rows > 0 && rows <= Mc && kc >= 0);
        for (int r0 = 0; r0 < rows; r0 += Mr)
        {
            int valid = Math.Min(Mr, rows - r0);
            if (!transposeA && valid == Mr && Transpose8x8.IsSupported)
            {
                // op(A)[i, p] = A[i, p]: transpose MR×8 blocks in registers. With MR = 6 each 8-wide store writes 2 extra
                // floats into the next k step's slots, which the next store overwrites; the buffer has slack for the last.
                int p = 0;
                for (; p <= kc - 8; p += 8)
                {
                    Transpose8x8.Run(a + (long)(i0 + r0) * lda + pc + p, lda, dst + p * Mr, Mr, rows: Mr);
                }

                for (; p < kc; p++)
                {
                    for (int r = 0; r < Mr; r++)
                    {
                        dst[p * Mr + r] = a[(long)(i0 + r0 + r) * lda + pc + p];
                    }
                }
            }
            else if (!transposeA && valid == Mr && Mr == 6 && Transpose4x4.IsSupported)
            {
                // The same with 4×4 blocks where AVX is missing: rows 4 and 5 first (their 4-wide stores write 2 floats
                // into the next k step's rows 0 and 1), then rows 0–3, which overwrite them; the slack takes the last.
                float* s = a + (long)(i0 + r0) * lda + pc;
                Debug.Assert(GemmWorkspace.ForThisThread.Holds(dst, (long)kc * Mr + 2), "a 6-row panel and its 2 floats of spill outside the workspace");
                int p = 0;
                for (; p <= kc - 4; p += 4)
                {
                    Transpose4x4.Run(s + 4L * lda + p, lda, dst + p * Mr + 4, Mr, rows: 2);
                    Transpose4x4.Run(s + p, lda, dst + p * Mr, Mr);
                }

                for (; p < kc; p++)
                {
                    for (int r = 0; r < Mr; r++)
                    {
                        dst[p * Mr + r] = s[(long)r * lda + p];
                    }
                }
            }
            else if (!transposeA)
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
                // op(A)[i, p] = A[p, i]: each k step is a contiguous run of MR values. A full panel of the AVX-512
                // kernels' 8 rows is one 256-bit copy per k step; other panels go 8, 4 and 1 at a time. (One scalar copy
                // per value slowed fc1's weight gradient, dW (128×9216) += dyᵀ · x, and the general loop is slower than
                // the single copy on a full 8-row panel.)
                if (valid == 8 && Mr == 8 && Vector256.IsHardwareAccelerated)
                {
                    float* s = a + (long)pc * lda + i0 + r0;
                    for (int p = 0; p < kc; p++, s += lda)
                    {
                        Vector256.Store(Vector256.Load(s), dst + p * 8);
                    }

                    dst += kc * Mr;
                    continue;
                }

                for (int p = 0; p < kc; p++)
                {
                    float* s = a + (long)(pc + p) * lda + i0 + r0;
                    float* d = dst + p * Mr;
                    int r = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        for (; r <= valid - 8; r += 8)
                        {
                            Vector256.Store(Vector256.Load(s + r), d + r);
                        }
                    }

                    for (; Vector128.IsHardwareAccelerated && r <= valid - 4; r += 4)
                    {
                        Vector128.Store(Vector128.Load(s + r), d + r);
                    }

                    for (; r < valid; r++)
                    {
                        d[r] = s[r];
                    }

                    for (r = valid; r < Mr; r++)
                    {
                        d[r] = 0f;
                    }
                }
            }

            dst += kc * Mr;
        }
    }

    /// <summary>
    /// PackA for a <see cref="BroadcastPanelA"/>: the same panels with every value stored 4 times, as the vector the
    /// 128-bit kernel multiplies by (dst[(p·MR + r)·4 + lane] = op(A)[i0 + r0 + r, pc + p]), rows past the edge zero.
    /// </summary>
    private static void PackABroadcast(bool transposeA, float* a, int lda, int i0, int rows, int pc, int kc, float* dst)
    {
        // dst holds ⌈rows / MR⌉ panels of kc × MR × 4 floats; each row is walked along k, one value at a time.
        const int copies = 4;
        Debug.Assert(TKernel.PackedACopies == copies && rows > 0 && rows <= Mc && kc >= 0);
        Debug.Assert(GemmWorkspace.ForThisThread.Holds(dst, (long)(rows + Mr - 1) / Mr * Mr * kc * copies), "broadcast A panels outside the workspace");
        long step = transposeA ? lda : 1;
        int kStep = Mr * copies;
        for (int r0 = 0; r0 < rows; r0 += Mr, dst += kc * kStep)
        {
            for (int r = 0; r < Mr; r++)
            {
                float* d = dst + r * copies;
                if (r0 + r >= rows)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        Vector128<float>.Zero.Store(d + p * kStep);
                    }

                    continue;
                }

                // op(A)[i, p] is A[p, i] (transposed) or A[i, p].
                float* s = transposeA ? a + (long)pc * lda + i0 + r0 + r : a + (long)(i0 + r0 + r) * lda + pc;
                for (int p = 0; p < kc; p++, s += step)
                {
                    Vector128.Create(*s).Store(d + p * kStep);
                }
            }
        }
    }
}
