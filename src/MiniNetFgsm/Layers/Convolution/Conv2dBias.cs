using System.Numerics.Tensors;

namespace MiniNetFgsm.Layers.Convolution;

/// <summary>The bias gradient image by image, shared by the algorithms that do not unfold dy into chunks.</summary>
internal static class Conv2dBias
{
    /// <summary>db[o] += Σ dy[n, o, :, :], summed plane by plane in image order (nothing when db is empty: no bias).</summary>
    public static void AddGradient(ReadOnlySpan<float> dy, Span<float> db, in Conv2dShape shape)
    {
        if (db.IsEmpty)
        {
            return;
        }

        int pixels = shape.OutputPixels;
        for (int img = 0; img < shape.Images; img++)
        {
            for (int ch = 0; ch < shape.OutChannels; ch++)
            {
                db[ch] += TensorPrimitives.Sum(dy.Slice((img * shape.OutChannels + ch) * pixels, pixels));
            }
        }
    }
}
