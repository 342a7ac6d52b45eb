namespace MiniNetFgsm.Reference;

// Dimensions: L elements of any shape (elementwise).

/// <summary>The textbook rectified linear unit, elementwise: y = max(x, 0).</summary>
public static class ReLU
{
    /// <summary>y = max(x, 0). Returns a new array of x's length.</summary>
    public static float[] Forward(float[] x)
    {
        // x is (L)
        var y = new float[x.Length];    // y is (L)
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : 0f;
        }

        return y;
    }

    /// <summary>Given dy = dL/dy, returns dL/dx, a new array. The gradient is 0 at exactly x = 0 (as PyTorch and the fast layer).</summary>
    public static float[] Backward(float[] dy, float[] x)
    {
        // dy is (L), x is (L)
        var dx = new float[x.Length];   // dx is (L)
        for (int i = 0; i < x.Length; i++)
        {
            // forward was y = x if x > 0 else 0, so dx = dy where x > 0, else 0
            dx[i] = x[i] > 0f ? dy[i] : 0f;
        }

        return dx;
    }
}
