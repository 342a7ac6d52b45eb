namespace MiniNetFgsm.Reference;

// Dimensions: N batch, C channels, H×W plane; F = C·H·W features.

/// <summary>
/// Flatten (N,C,H,W) → (N,F) in C, H, W order, PyTorch's <c>torch.flatten(x, 1)</c>. Row-major storage is already in
/// that order, so both passes are copies: only the shape the next layer reads changes.
/// </summary>
public static class Flatten
{
    /// <summary>y = reshape(x, (N, F)). Returns a new array.</summary>
    public static float[] Forward(float[] x)
    {
        // x is (N,C,H,W), y is (N,F)
        return (float[])x.Clone();
    }

    /// <summary>Given dy = dL/dy, returns dL/dx = reshape(dy, (N,C,H,W)), a new array.</summary>
    public static float[] Backward(float[] dy)
    {
        // dy is (N,F), dx is (N,C,H,W)
        // forward was y[n,f] = x[n,c,h,w] with f = (c·H + h)·W + w, so dx[n,c,h,w] = dy[n,f]
        return (float[])dy.Clone();
    }
}
