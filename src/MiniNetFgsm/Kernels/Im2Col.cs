namespace MiniNetFgsm.Kernels;

/// <summary>
/// Unrolls convolution windows into rows so a convolution becomes one matrix product, and folds them back.
/// </summary>
/// <remarks>
/// For one image x (C,H,W), a kernel (KH,KW), stride s and zero padding p, the output is (OH,OW) with
/// OH = (H + 2p − KH)/s + 1. <c>cols</c> is (OH·OW, C·KH·KW): row (oy,ox) holds the window under output
/// pixel (oy,ox) in (c,i,j) order, i.e. <c>cols[oy·OW+ox, (c·KH+i)·KW+j] = x[c, oy·s+i−p, ox·s+j−p]</c>
/// (0 outside the image). Then out(OH·OW, O) = cols · Wᵀ with W viewed as (O, C·KH·KW), PyTorch's layout.
/// </remarks>
public static class Im2Col
{
    /// <summary>Output size along one axis: (size + 2·padding − kernel) / stride + 1.</summary>
    public static int OutputSize(int size, int kernel, int stride, int padding) => (size + 2 * padding - kernel) / stride + 1;

    /// <summary>Fills <paramref name="cols"/> (OH·OW, C·KH·KW) from one image <paramref name="x"/> (C,H,W).</summary>
    public static void Unfold(ReadOnlySpan<float> x, int c, int h, int w, int kh, int kw, int stride, int padding, Span<float> cols)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding);
        int rowLength = c * kh * kw;
        for (int oy = 0; oy < oh; oy++)
        {
            for (int ox = 0; ox < ow; ox++)
            {
                Span<float> row = cols.Slice((oy * ow + ox) * rowLength, rowLength);
                int x0 = ox * stride - padding;

                // Columns j in [jStart, jEnd) fall inside the image; the rest of the window row is padding.
                int jStart = Math.Max(0, -x0), jEnd = Math.Min(kw, w - x0);
                int r = 0;
                for (int ch = 0; ch < c; ch++)
                {
                    for (int i = 0; i < kh; i++, r += kw)
                    {
                        int y = oy * stride + i - padding;
                        Span<float> dst = row.Slice(r, kw);
                        if ((uint)y >= (uint)h || jStart >= jEnd)
                        {
                            dst.Clear();
                            continue;
                        }

                        dst[..jStart].Clear();
                        x.Slice((ch * h + y) * w + x0 + jStart, jEnd - jStart).CopyTo(dst[jStart..]);
                        dst[jEnd..].Clear();
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Unfold"/>: <c>dx[c, oy·s+i−p, ox·s+j−p] += dcols[oy·OW+ox, (c·KH+i)·KW+j]</c>.
    /// Overwrites <paramref name="dx"/> (C,H,W) with the sum of every window's contribution.
    /// </summary>
    public static void Fold(ReadOnlySpan<float> dcols, int c, int h, int w, int kh, int kw, int stride, int padding, Span<float> dx)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding);
        int rowLength = c * kh * kw;
        dx[..(c * h * w)].Clear();
        for (int oy = 0; oy < oh; oy++)
        {
            for (int ox = 0; ox < ow; ox++)
            {
                ReadOnlySpan<float> row = dcols.Slice((oy * ow + ox) * rowLength, rowLength);
                int x0 = ox * stride - padding;
                int jStart = Math.Max(0, -x0), jEnd = Math.Min(kw, w - x0);
                int r = 0;
                for (int ch = 0; ch < c; ch++)
                {
                    for (int i = 0; i < kh; i++, r += kw)
                    {
                        int y = oy * stride + i - padding;
                        if ((uint)y >= (uint)h || jStart >= jEnd)
                        {
                            continue;
                        }

                        Span<float> dst = dx.Slice((ch * h + y) * w + x0 + jStart, jEnd - jStart);
                        System.Numerics.Tensors.TensorPrimitives.Add(dst, row.Slice(r + jStart, jEnd - jStart), dst);
                    }
                }
            }
        }
    }

    /// <summary>Scalar reference for <see cref="Unfold"/>, written straight from the index formula.</summary>
    public static void UnfoldReference(ReadOnlySpan<float> x, int c, int h, int w, int kh, int kw, int stride, int padding, Span<float> cols)
    {
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding);
        for (int oy = 0; oy < oh; oy++)
        {
            for (int ox = 0; ox < ow; ox++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    for (int i = 0; i < kh; i++)
                    {
                        for (int j = 0; j < kw; j++)
                        {
                            int y = oy * stride + i - padding, xx = ox * stride + j - padding;
                            bool inside = y >= 0 && y < h && xx >= 0 && xx < w;
                            cols[(oy * ow + ox) * c * kh * kw + (ch * kh + i) * kw + j] = inside ? x[(ch * h + y) * w + xx] : 0f;
                        }
                    }
                }
            }
        }
    }
}
