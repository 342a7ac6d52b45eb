namespace MiniNetFgsm.Reference;

// Dimensions: N batch, I input features, O output features.

/// <summary>
/// The textbook fully connected layer, PyTorch's <c>nn.Linear</c>: <code>y[n,o] = b[o] + Σ_i W[o,i] · x[n,i]</code>
/// </summary>
public static class Dense
{
    /// <summary>y = x · Wᵀ + b. Returns a new (N,O) array.</summary>
    public static float[] Forward(float[] x, float[] weight, float[] bias, int n, int inFeatures, int outFeatures)
    {
        // x is (N,I), weight is (O,I), bias is (O)
        var y = new float[n * outFeatures];     // y is (N,O)
        for (int b = 0; b < n; b++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                float sum = bias[o];
                for (int i = 0; i < inFeatures; i++)
                {
                    sum += weight[o * inFeatures + i] * x[b * inFeatures + i];
                }

                y[b * outFeatures + o] = sum;
            }
        }

        return y;
    }

    /// <summary>Given dy = dL/dy, returns dL/dx (N,I), dL/dW (O,I) and dL/db (O), each a new array.</summary>
    public static (float[] Dx, float[] DWeight, float[] DBias) Backward(float[] dy, float[] x, float[] weight, int n, int inFeatures, int outFeatures)
    {
        // dy is (N,O), x is (N,I), weight is (O,I)
        var dx = new float[n * inFeatures];                 // dx is (N,I)
        var dweight = new float[outFeatures * inFeatures];  // dweight is (O,I)
        var dbias = new float[outFeatures];                 // dbias is (O)
        for (int b = 0; b < n; b++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                float d = dy[b * outFeatures + o];
                // forward was y[n,o] = b[o] + ..., so db[o] += dy[n,o]
                dbias[o] += d;
                for (int i = 0; i < inFeatures; i++)
                {
                    // forward was y[n,o] += W[o,i] * x[n,i], so dW[o,i] += dy[n,o] * x[n,i] and dx[n,i] += dy[n,o] * W[o,i]
                    dweight[o * inFeatures + i] += d * x[b * inFeatures + i];
                    dx[b * inFeatures + i] += d * weight[o * inFeatures + i];
                }
            }
        }

        return (dx, dweight, dbias);
    }
}
