using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The rectifier y = max(x, 0) and its derivative.</summary>
public static class ReluKernels
{
    /// <summary>y = max(x, 0), elementwise (TensorPrimitives).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>
    /// dx = dy where x &gt; 0, else 0, elementwise. The derivative at exactly 0 (and at −0) is taken as 0, as PyTorch
    /// does; a NaN x gives 0 (the comparison is false). <paramref name="dx"/> may be the same span as <paramref name="dy"/>.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => Backward(Simd.Width, x, dy, dx);

    /// <summary>As <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> with a chosen vector width.</summary>
    public static void Backward(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckLengths(x, dy, dx);
        ElementwiseLoop.Binary(width, default(ReluBackwardOperator), x, dy, dx);
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

/// <summary>
/// ReLU's backward for one element or lane: (x, dy) → x &gt; 0 ? dy : +0. With vectors, one compare gives an all-ones
/// mask where x &gt; 0 and the AND keeps dy's bits there and +0 elsewhere, the same bits as the scalar select.
/// </summary>
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float dy) => x > 0f ? dy : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy) => Vector128.GreaterThan(x, Vector128<float>.Zero) & dy;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy) => Vector256.GreaterThan(x, Vector256<float>.Zero) & dy;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy) => Vector512.GreaterThan(x, Vector512<float>.Zero) & dy;
}
