namespace MiniNetFgsm.Reference;

// Dimensions: N batch, C channels, H×W input, K×K window, s stride, OH×OW output.

/// <summary>
/// The textbook max pooling over K×K windows with stride s, no padding, as PyTorch's <c>nn.MaxPool2d(K, s)</c>:
/// <code>y[n,c,oy,ox] = max_{i,j &lt; K} x[n, c, oy·s+i, ox·s+j]</code>, OH = (H − K)/s + 1 (floor). On ties the first
/// maximum in row-major window order is the one the gradient flows to (PyTorch compares with a strict &gt;).
/// </summary>
public static class MaxPool2d
{
    /// <summary>y = the maximum of each window. Returns a new (N,C,OH,OW) array.</summary>
    public static float[] Forward(float[] x, int n, int c, int h, int w, int kernel, int stride)
    {
        // x is (N,C,H,W)
        int oh = (h - kernel) / stride + 1, ow = (w - kernel) / stride + 1;
        var y = new float[n * c * oh * ow];     // y is (N,C,OH,OW)
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    y[(plane * oh + oy) * ow + ox] = x[ArgMax(x, plane, h, w, kernel, stride, oy, ox)];
                }
            }
        }

        return y;
    }

    /// <summary>Given dy = dL/dy, returns dL/dx (N,C,H,W), a new array.</summary>
    public static float[] Backward(float[] dy, float[] x, int n, int c, int h, int w, int kernel, int stride)
    {
        // dy is (N,C,OH,OW), x is (N,C,H,W)
        int oh = (h - kernel) / stride + 1, ow = (w - kernel) / stride + 1;
        var dx = new float[n * c * h * w];      // dx is (N,C,H,W)
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    // forward was y = x[argmax of the window], so dx[argmax] += dy (overlapping windows add up)
                    dx[ArgMax(x, plane, h, w, kernel, stride, oy, ox)] += dy[(plane * oh + oy) * ow + ox];
                }
            }
        }

        return dx;
    }

    /// <summary>The flat index in x of the first maximum, in row-major order, of window (oy, ox) of plane n·C + c.</summary>
    private static int ArgMax(float[] x, int plane, int h, int w, int kernel, int stride, int oy, int ox)
    {
        int best = (plane * h + oy * stride) * w + ox * stride;
        for (int i = 0; i < kernel; i++)
        {
            for (int j = 0; j < kernel; j++)
            {
                int index = (plane * h + oy * stride + i) * w + ox * stride + j;
                if (x[index] > x[best])     // strictly greater: the first maximum wins ties
                {
                    best = index;
                }
            }
        }

        return best;
    }
}
