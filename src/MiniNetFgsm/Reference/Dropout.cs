namespace MiniNetFgsm.Reference;

// Dimensions: L elements of any shape (elementwise).

/// <summary>
/// The textbook inverted dropout, given its mask: y = x · m, where each m is 1/(1 − p) (kept, with probability 1 − p)
/// or 0 (dropped). In evaluation there is no mask and dropout is the identity. Drawing the mask is the fast layer's job
/// (<see cref="Layers.Dropout"/>); this one only applies it.
/// </summary>
public static class Dropout
{
    /// <summary>y = x · m. Returns a new array.</summary>
    public static float[] Forward(float[] x, float[] mask)
    {
        // x is (L), mask is (L)
        var y = new float[x.Length];    // y is (L)
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * mask[i];
        }

        return y;
    }

    /// <summary>Given dy = dL/dy, returns dL/dx, a new array.</summary>
    public static float[] Backward(float[] dy, float[] mask)
    {
        // dy is (L), mask is (L)
        var dx = new float[dy.Length];  // dx is (L)
        for (int i = 0; i < dy.Length; i++)
        {
            // forward was y = x * m, so dx = dy * m
            dx[i] = dy[i] * mask[i];
        }

        return dx;
    }
}
