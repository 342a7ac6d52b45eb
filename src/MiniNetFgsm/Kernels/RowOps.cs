using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// Copy and add of short runs of floats (an image row: 24 floats for mnist-cnn's conv2), the inner loops of
/// im2col and col2im. Span slicing plus <c>CopyTo</c> or <c>TensorPrimitives.Add</c> per row costs more in call
/// and bounds-check overhead than the few vector operations a row needs, so these loop on pointers the caller
/// has already checked.
/// </summary>
internal static unsafe class RowOps
{
    /// <summary><c>dst[k] = src[k]</c> for k &lt; count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* src, float* dst, int count)
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k <= count - 8; k += 8)
            {
                Vector256.Store(Vector256.Load(src + k), dst + k);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; k <= count - 4; k += 4)
            {
                Vector128.Store(Vector128.Load(src + k), dst + k);
            }
        }

        for (; k < count; k++)
        {
            dst[k] = src[k];
        }
    }

    /// <summary><c>dst[k] += src[k]</c> for k &lt; count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddTo(float* src, float* dst, int count)
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k <= count - 8; k += 8)
            {
                Vector256.Store(Vector256.Load(dst + k) + Vector256.Load(src + k), dst + k);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; k <= count - 4; k += 4)
            {
                Vector128.Store(Vector128.Load(dst + k) + Vector128.Load(src + k), dst + k);
            }
        }

        for (; k < count; k++)
        {
            dst[k] += src[k];
        }
    }
}
