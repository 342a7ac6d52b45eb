using System.Runtime.CompilerServices;

namespace MiniNetFgsm.Reference;

// Dimensions: N batch, C channels in, O channels out, H×W input, KH×KW kernel, OH×OW output, s stride, p zero padding.

/// <summary>
/// The textbook 2-D convolution (cross-correlation, as PyTorch's <c>nn.Conv2d</c>), in plain loops:
/// <code>y[n,o,oy,ox] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, oy·s+i−p, ox·s+j−p]</code>
/// with x read as 0 outside the image, OH = (H + 2p − KH)/s + 1 and OW = (W + 2p − KW)/s + 1 (floor).
/// The fast layer is <see cref="Layers.Conv2d"/>; this one is its oracle.
/// </summary>
public static class Conv2d
{
    /// <summary>Output height or width for an input of <paramref name="size"/>: (size + 2p − k)/s + 1.</summary>
    public static int OutputSize(int size, int kernel, int stride, int padding) => (size + 2 * padding - kernel) / stride + 1;

    /// <summary>y = conv(x, W) + b. <paramref name="bias"/> may be null (no bias). Returns a new (N,O,OH,OW) array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]     // fully optimised from the first call: its loops run once, long
    public static float[] Forward(float[] x, float[] weight, float[]? bias, int n, int c, int h, int w, int o, int kh, int kw, int stride, int padding)
    {
        // x is (N,C,H,W), weight is (O,C,KH,KW), bias is (O) or null
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding);
        var y = new float[n * o * oh * ow];     // y is (N,O,OH,OW)
        for (int b = 0; b < n; b++)
        {
            for (int oc = 0; oc < o; oc++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float sum = bias is null ? 0f : bias[oc];
                        for (int ic = 0; ic < c; ic++)
                        {
                            for (int i = 0; i < kh; i++)
                            {
                                for (int j = 0; j < kw; j++)
                                {
                                    int iy = oy * stride + i - padding, ix = ox * stride + j - padding;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        sum += weight[((oc * c + ic) * kh + i) * kw + j] * x[((b * c + ic) * h + iy) * w + ix];
                                    }
                                }
                            }
                        }

                        y[((b * o + oc) * oh + oy) * ow + ox] = sum;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>
    /// Given dy = dL/dy, returns dL/dx (N,C,H,W), dL/dW (O,C,KH,KW) and dL/db (O; null when <paramref name="bias"/> is null),
    /// each a new array.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float[] Dx, float[] DWeight, float[]? DBias) Backward(
        float[] dy, float[] x, float[] weight, float[]? bias, int n, int c, int h, int w, int o, int kh, int kw, int stride, int padding)
    {
        // dy is (N,O,OH,OW), x is (N,C,H,W), weight is (O,C,KH,KW)
        int oh = OutputSize(h, kh, stride, padding), ow = OutputSize(w, kw, stride, padding);
        var dx = new float[n * c * h * w];              // dx is (N,C,H,W)
        var dweight = new float[o * c * kh * kw];       // dweight is (O,C,KH,KW)
        float[]? dbias = bias is null ? null : new float[o];   // dbias is (O)
        for (int b = 0; b < n; b++)
        {
            for (int oc = 0; oc < o; oc++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float d = dy[((b * o + oc) * oh + oy) * ow + ox];
                        // forward was y = b[o] + ..., so db[o] += dy
                        if (dbias is not null)
                        {
                            dbias[oc] += d;
                        }

                        for (int ic = 0; ic < c; ic++)
                        {
                            for (int i = 0; i < kh; i++)
                            {
                                for (int j = 0; j < kw; j++)
                                {
                                    int iy = oy * stride + i - padding, ix = ox * stride + j - padding;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        int wi = ((oc * c + ic) * kh + i) * kw + j, xi = ((b * c + ic) * h + iy) * w + ix;
                                        // forward was y += W[o,c,i,j] * x[n,c,iy,ix], so dW[o,c,i,j] += dy * x[n,c,iy,ix]
                                        // and dx[n,c,iy,ix] += dy * W[o,c,i,j]
                                        dweight[wi] += d * x[xi];
                                        dx[xi] += d * weight[wi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return (dx, dweight, dbias);
    }
}
