using System.Diagnostics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// Unrolls convolution windows into a matrix so a convolution over a whole batch becomes one matrix product,
/// and folds such a matrix back (the adjoint, for the backward pass).
/// </summary>
/// <remarks>
/// For a batch x (N,C,H,W), a kernel (KH,KW), stride s and zero padding p, each image's output is (OH,OW) with
/// OH = (H + 2p − KH)/s + 1; let P = OH·OW. <c>cols</c> is (C·KH·KW, N·P):
/// <code>cols[(c·KH + i)·KW + j, n·P + oy·OW + ox] = x[n, c, oy·s + i − p, ox·s + j − p]   (0 outside the image)</code>
/// so that out (O, N·P) = W (O, C·KH·KW) · cols, with W in PyTorch's (O, C, KH, KW) layout viewed as a matrix.
/// Each row of cols is one kernel tap (c, i, j) seen by every output pixel of every image, so rows are written
/// as long contiguous runs: copies of image rows when s = 1.
/// </remarks>
public static class Im2Col
{
    /// <summary>Output size along one axis: (size + 2·padding − kernel) / stride + 1.</summary>
    public static int OutputSize(int size, int kernel, int stride, int padding) => (size + 2 * padding - kernel) / stride + 1;

    /// <summary>Fills rows [firstRow, lastRow) of <paramref name="cols"/> (C·KH·KW, N·P) from the batch <paramref name="x"/> (N,C,H,W).</summary>
    public static unsafe void Unfold(
        ReadOnlySpan<float> x, int n, int c, int h, int w, int kh, int kw, int stride, int padding,
        Span<float> cols, int firstRow = 0, int lastRow = int.MaxValue)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding), pixels = oh * ow;
        lastRow = Math.Min(lastRow, c * kh * kw);
        if (firstRow >= lastRow)
        {
            return;
        }

        // The checks the pointer loops below rely on: every row written and every plane read is inside its span.
        if (x.Length < n * c * h * w || cols.Length < lastRow * n * pixels)
        {
            throw new ArgumentException($"Unfold needs x of {n * c * h * w} and cols of {lastRow * n * pixels} floats; got {x.Length} and {cols.Length}.");
        }

        fixed (float* px = x, pcols = cols)
        {
            for (int row = firstRow; row < lastRow; row++)
            {
                int ch = row / (kh * kw), i = row / kw % kh, j = row % kw;

                if (stride == 1 && padding == 0)
                {
                    // Every window inside the image (lenet's conv2: rows 8 wide; mnist-cnn's: 24): cols row (c, i, j) is
                    // the plane's rows i … i + OH − 1 from column j, copied without working out bounds per row.
                    for (int img = 0; img < n; img++)
                    {
                        float* dst = pcols + ((long)row * n + img) * pixels;
                        float* src = px + ((long)img * c + ch) * h * w + i * w + j;

                        // Reads rows i … i + OH − 1, columns j … j + OW − 1 of the plane; writes one OH·OW block of cols.
                        Debug.Assert(i + oh <= h && j + ow <= w && ((long)row * n + img + 1) * pixels <= cols.Length && ((long)img * c + ch + 1) * h * w <= x.Length);
                        for (int oy = 0; oy < oh; oy++, src += w, dst += ow)
                        {
                            RowOps.Copy(src, dst, ow);
                        }
                    }

                    continue;
                }

                // Output columns ox in [oxStart, oxEnd) read inside the image: 0 ≤ ox·s + j − p < W.
                int oxStart = Math.Min(ow, CeilDiv(Math.Max(0, padding - j), stride));
                int oxEnd = Math.Max(oxStart, Math.Min(ow, CeilDiv(w + padding - j, stride)));
                for (int img = 0; img < n; img++)
                {
                    float* dst = pcols + ((long)row * n + img) * pixels;
                    float* plane = px + ((long)img * c + ch) * h * w;

                    // Reads plane columns oxStart·s + j − p … (oxEnd − 1)·s + j − p, inside [0, W); writes one block of cols.
                    Debug.Assert(oxStart >= oxEnd || (oxStart * stride + j - padding >= 0 && (oxEnd - 1) * stride + j - padding < w));
                    Debug.Assert(((long)row * n + img + 1) * pixels <= cols.Length && ((long)img * c + ch + 1) * h * w <= x.Length);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int y = oy * stride + i - padding;
                        float* outRow = dst + oy * ow;
                        if ((uint)y >= (uint)h)
                        {
                            new Span<float>(outRow, ow).Clear();
                            continue;
                        }

                        for (int ox = 0; ox < oxStart; ox++)
                        {
                            outRow[ox] = 0f;
                        }

                        for (int ox = oxEnd; ox < ow; ox++)
                        {
                            outRow[ox] = 0f;
                        }

                        float* inRow = plane + y * w + oxStart * stride + j - padding;
                        if (stride == 1)
                        {
                            RowOps.Copy(inRow, outRow + oxStart, oxEnd - oxStart);
                        }
                        else
                        {
                            for (int ox = oxStart; ox < oxEnd; ox++, inRow += stride)
                            {
                                outRow[ox] = *inRow;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Unfold"/>, for planes [firstPlane, lastPlane) of the N·C planes of dx:
    /// <code>dx[n, c, oy·s + i − p, ox·s + j − p] += dcols[(c·KH + i)·KW + j, n·P + oy·OW + ox]</code>
    /// Overwrites those planes of <paramref name="dx"/> (N,C,H,W) with the sum of every window's contribution,
    /// added tap by tap in (i, j) order.
    /// </summary>
    public static unsafe void Fold(
        ReadOnlySpan<float> dcols, int n, int c, int h, int w, int kh, int kw, int stride, int padding,
        Span<float> dx, int firstPlane = 0, int lastPlane = int.MaxValue)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding), pixels = oh * ow;
        lastPlane = Math.Min(lastPlane, n * c);
        if (firstPlane >= lastPlane)
        {
            return;
        }

        if (dcols.Length < c * kh * kw * n * pixels || dx.Length < lastPlane * h * w)
        {
            throw new ArgumentException($"Fold needs dcols of {c * kh * kw * n * pixels} and dx of {lastPlane * h * w} floats; got {dcols.Length} and {dx.Length}.");
        }

        fixed (float* pd = dcols, pdx = dx)
        {
            for (int planeIndex = firstPlane; planeIndex < lastPlane; planeIndex++)
            {
                int img = planeIndex / c, ch = planeIndex % c;
                float* plane = pdx + (long)planeIndex * h * w;
                new Span<float>(plane, h * w).Clear();
                if (stride == 1 && padding == 0)
                {
                    // Every tap (i, j) adds OH rows of OW from plane row i, column j: inside the plane as OH + KH − 1 = H.
                    Debug.Assert(oh + kh - 1 <= h && ow + kw - 1 <= w && (((long)(c * kh * kw - 1) * n) + img + 1) * pixels <= dcols.Length);
                    FoldPlaneUnpadded(pd + ((long)ch * kh * kw * n + img) * pixels, (long)n * pixels, plane, w, kh, kw, oh, ow);
                    continue;
                }

                for (int i = 0; i < kh; i++)
                {
                    for (int j = 0; j < kw; j++)
                    {
                        int row = (ch * kh + i) * kw + j;
                        float* src = pd + ((long)row * n + img) * pixels;
                        Debug.Assert(((long)row * n + img + 1) * pixels <= dcols.Length, "a dcols block outside dcols");
                        int oxStart = Math.Min(ow, CeilDiv(Math.Max(0, padding - j), stride));
                        int oxEnd = Math.Max(oxStart, Math.Min(ow, CeilDiv(w + padding - j, stride)));
                        if (oxStart == oxEnd)
                        {
                            continue;
                        }

                        for (int oy = 0; oy < oh; oy++)
                        {
                            int y = oy * stride + i - padding;
                            if ((uint)y >= (uint)h)
                            {
                                continue;
                            }

                            float* dxRow = plane + y * w + oxStart * stride + j - padding;
                            float* srcRow = src + oy * ow;
                            if (stride == 1)
                            {
                                RowOps.AddTo(srcRow + oxStart, dxRow, oxEnd - oxStart);
                            }
                            else
                            {
                                for (int ox = oxStart; ox < oxEnd; ox++, dxRow += stride)
                                {
                                    *dxRow += srcRow[ox];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One plane of <see cref="Fold"/> at stride 1 without padding, where every window lies inside the plane: each tap
    /// (i, j) adds its OH×OW block of dcols to the plane shifted by (i, j), whole rows at a time, with no bounds to
    /// work out per row. <paramref name="taps"/> points at tap (0, 0) of the plane's channel; tap rows are
    /// <paramref name="tapStride"/> floats apart. The sum runs tap by tap in (i, j) order, as in the general loop.
    /// </summary>
    private static unsafe void FoldPlaneUnpadded(float* taps, long tapStride, float* plane, int w, int kh, int kw, int oh, int ow)
    {
        for (int i = 0; i < kh; i++)
        {
            for (int j = 0; j < kw; j++, taps += tapStride)
            {
                float* src = taps, dst = plane + i * w + j;
                for (int oy = 0; oy < oh; oy++, src += ow, dst += w)
                {
                    RowOps.AddTo(src, dst, ow);
                }
            }
        }
    }

    /// <summary>Scalar reference for <see cref="Unfold"/>, written straight from the index formula.</summary>
    public static void UnfoldReference(ReadOnlySpan<float> x, int n, int c, int h, int w, int kh, int kw, int stride, int padding, Span<float> cols)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding), pixels = oh * ow;
        for (int ch = 0; ch < c; ch++)
        {
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++)
                {
                    for (int img = 0; img < n; img++)
                    {
                        for (int oy = 0; oy < oh; oy++)
                        {
                            for (int ox = 0; ox < ow; ox++)
                            {
                                int y = oy * stride + i - padding, xx = ox * stride + j - padding;
                                bool inside = y >= 0 && y < h && xx >= 0 && xx < w;
                                cols[((ch * kh + i) * kw + j) * n * pixels + img * pixels + oy * ow + ox] = inside ? x[((img * c + ch) * h + y) * w + xx] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Scalar reference for <see cref="Fold"/>: every dx element gathers its taps in (i, j) order, the order in which
    /// <see cref="Fold"/> adds them, so the two agree bit for bit.
    /// </summary>
    public static void FoldReference(ReadOnlySpan<float> dcols, int n, int c, int h, int w, int kh, int kw, int stride, int padding, Span<float> dx)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding), pixels = oh * ow;
        for (int img = 0; img < n; img++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < h; y++)
                {
                    for (int xx = 0; xx < w; xx++)
                    {
                        float sum = 0f;
                        for (int i = 0; i < kh; i++)
                        {
                            for (int j = 0; j < kw; j++)
                            {
                                // The window (oy, ox) reads (y, xx) through tap (i, j) when oy·s + i − p = y and ox·s + j − p = xx.
                                int ty = y + padding - i, tx = xx + padding - j;
                                if (ty < 0 || tx < 0 || ty % stride != 0 || tx % stride != 0 || ty / stride >= oh || tx / stride >= ow)
                                {
                                    continue;
                                }

                                sum += dcols[((ch * kh + i) * kw + j) * n * pixels + img * pixels + ty / stride * ow + tx / stride];
                            }
                        }

                        dx[((img * c + ch) * h + y) * w + xx] = sum;
                    }
                }
            }
        }
    }

    private static int CeilDiv(int a, int b) => a <= 0 ? 0 : (a + b - 1) / b;
}
