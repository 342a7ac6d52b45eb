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
    public static void Unfold(
        ReadOnlySpan<float> x, int n, int c, int h, int w, int kh, int kw, int stride, int padding,
        Span<float> cols, int firstRow = 0, int lastRow = int.MaxValue)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding), pixels = oh * ow;
        lastRow = Math.Min(lastRow, c * kh * kw);
        for (int row = firstRow; row < lastRow; row++)
        {
            int ch = row / (kh * kw), i = row / kw % kh, j = row % kw;

            // Output columns ox in [oxStart, oxEnd) read inside the image: 0 ≤ ox·s + j − p < W.
            int oxStart = Math.Min(ow, CeilDiv(Math.Max(0, padding - j), stride));
            int oxEnd = Math.Max(oxStart, Math.Min(ow, CeilDiv(w + padding - j, stride)));
            for (int img = 0; img < n; img++)
            {
                Span<float> dst = cols.Slice(row * n * pixels + img * pixels, pixels);
                ReadOnlySpan<float> plane = x.Slice((img * c + ch) * h * w, h * w);
                for (int oy = 0; oy < oh; oy++)
                {
                    int y = oy * stride + i - padding;
                    Span<float> outRow = dst.Slice(oy * ow, ow);
                    if ((uint)y >= (uint)h)
                    {
                        outRow.Clear();
                        continue;
                    }

                    outRow[..oxStart].Clear();
                    outRow[oxEnd..].Clear();
                    ReadOnlySpan<float> inRow = plane.Slice(y * w, w);
                    int x0 = oxStart * stride + j - padding;
                    if (stride == 1)
                    {
                        inRow.Slice(x0, oxEnd - oxStart).CopyTo(outRow[oxStart..oxEnd]);
                    }
                    else
                    {
                        for (int ox = oxStart; ox < oxEnd; ox++, x0 += stride)
                        {
                            outRow[ox] = inRow[x0];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Unfold"/>, for planes [firstPlane, lastPlane) of the N·C planes of dx:
    /// <code>dx[n, c, oy·s + i − p, ox·s + j − p] += dcols[(c·KH + i)·KW + j, n·P + oy·OW + ox]</code>
    /// Overwrites those planes of <paramref name="dx"/> (N,C,H,W) with the sum of every window's contribution.
    /// </summary>
    public static void Fold(
        ReadOnlySpan<float> dcols, int n, int c, int h, int w, int kh, int kw, int stride, int padding,
        Span<float> dx, int firstPlane = 0, int lastPlane = int.MaxValue)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding), pixels = oh * ow;
        lastPlane = Math.Min(lastPlane, n * c);
        for (int planeIndex = firstPlane; planeIndex < lastPlane; planeIndex++)
        {
            int img = planeIndex / c, ch = planeIndex % c;
            Span<float> plane = dx.Slice(planeIndex * h * w, h * w);
            plane.Clear();
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++)
                {
                    int row = (ch * kh + i) * kw + j;
                    ReadOnlySpan<float> src = dcols.Slice(row * n * pixels + img * pixels, pixels);
                    int oxStart = Math.Min(ow, CeilDiv(Math.Max(0, padding - j), stride));
                    int oxEnd = Math.Max(oxStart, Math.Min(ow, CeilDiv(w + padding - j, stride)));
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int y = oy * stride + i - padding;
                        if ((uint)y >= (uint)h || oxStart == oxEnd)
                        {
                            continue;
                        }

                        Span<float> dxRow = plane.Slice(y * w, w);
                        ReadOnlySpan<float> srcRow = src.Slice(oy * ow, ow);
                        int x0 = oxStart * stride + j - padding;
                        if (stride == 1)
                        {
                            Span<float> target = dxRow.Slice(x0, oxEnd - oxStart);
                            System.Numerics.Tensors.TensorPrimitives.Add(target, srcRow[oxStart..oxEnd], target);
                        }
                        else
                        {
                            for (int ox = oxStart; ox < oxEnd; ox++, x0 += stride)
                            {
                                dxRow[x0] += srcRow[ox];
                            }
                        }
                    }
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

    private static int CeilDiv(int a, int b) => a <= 0 ? 0 : (a + b - 1) / b;
}
