using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The rectifier y = max(x, 0) and its derivative.</summary>
public static class ReluKernels
{
    /// <summary>y = max(x, 0), elementwise (TensorPrimitives).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>
    /// dx = dy where x &gt; 0, else 0 (the derivative at exactly 0 is taken as 0, as PyTorch does).
    /// One compare and one masked select per vector; the tail runs scalar.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => Backward(Simd.Width, x, dy, dx);

    /// <summary>As <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> with a chosen vector width.</summary>
    public static void Backward(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckLengths(x, dy, dx);
        int i = 0;
        if (width >= SimdWidth.V512 && Vector512.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var mask = Vector512.GreaterThan(Vector512.Create(x[i..]), Vector512<float>.Zero);
                Vector512.BitwiseAnd(mask, Vector512.Create(dy[i..])).CopyTo(dx[i..]);
            }
        }

        if (width >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var mask = Vector256.GreaterThan(Vector256.Create(x[i..]), Vector256<float>.Zero);
                Vector256.BitwiseAnd(mask, Vector256.Create(dy[i..])).CopyTo(dx[i..]);
            }
        }

        if (width >= SimdWidth.V128 && Vector128.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var mask = Vector128.GreaterThan(Vector128.Create(x[i..]), Vector128<float>.Zero);
                Vector128.BitwiseAnd(mask, Vector128.Create(dy[i..])).CopyTo(dx[i..]);
            }
        }

        BackwardReference(x[i..], dy[i..], dx[i..]);
    }

    /// <summary>Scalar reference: dx[i] = x[i] &gt; 0 ? dy[i] : 0.</summary>
    public static void BackwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckLengths(x, dy, dx);
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : 0f;
        }
    }

    private static void CheckLengths(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> dx)
    {
        if (dy.Length != x.Length || dx.Length != x.Length)
        {
            throw new ArgumentException($"Length mismatch: x {x.Length}, dy {dy.Length}, dx {dx.Length}.");
        }
    }
}
