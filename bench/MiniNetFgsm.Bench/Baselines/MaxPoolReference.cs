namespace MiniNetFgsm.Bench.Baselines;

/// <summary>
/// Max pooling written straight from the formula, <c>y[n,c,oy,ox] = max_{i,j &lt; K} x[n, c, oy·s+i, ox·s+j]</c>,
/// recomputing every index from (n, c, oy, ox, i, j): the baseline the library's plane-at-a-time loop is measured against.
/// </summary>
public static class MaxPoolReference
{
    /// <summary>Forward over x (N, C, H, W) into y (N, C, OH, OW); <paramref name="argmax"/> gets the flat index of each maximum (first on ties).</summary>
    public static void Forward(ReadOnlySpan<float> x, int n, int c, int h, int w, int k, int s, Span<float> y, Span<int> argmax)
    {
        int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
        for (int img = 0; img < n; img++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int best = ((img * c + ch) * h + oy * s) * w + ox * s;
                        for (int i = 0; i < k; i++)
                        {
                            for (int j = 0; j < k; j++)
                            {
                                int index = ((img * c + ch) * h + oy * s + i) * w + ox * s + j;
                                if (x[index] > x[best])
                                {
                                    best = index;
                                }
                            }
                        }

                        int o = ((img * c + ch) * oh + oy) * ow + ox;
                        y[o] = x[best];
                        argmax[o] = best;
                    }
                }
            }
        }
    }

    /// <summary>Backward of y = x[argmax]: dx = 0, then dx[argmax[o]] += dy[o].</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        dx.Clear();
        for (int o = 0; o < dy.Length; o++)
        {
            dx[argmax[o]] += dy[o];
        }
    }
}
