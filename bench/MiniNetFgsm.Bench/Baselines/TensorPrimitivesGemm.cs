using System.Numerics.Tensors;

namespace MiniNetFgsm.Bench.Baselines;

/// <summary>
/// GEMM written with nothing but the public TensorPrimitives API: what you get without a packed, register-blocked
/// micro-kernel. It is the yardstick between the scalar reference and the library's blocked kernels.
/// </summary>
public static class TensorPrimitivesGemm
{
    /// <summary>
    /// <c>C = op(A) · op(B)</c>, row-major.
    /// <para>When B is stored (K,N), the axpy formulation: for each row i of C and each p,
    /// <c>C[i,:] += A[i,p] · B[p,:]</c> (<see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>),
    /// streaming a contiguous row of B per step.</para>
    /// <para>When B is stored transposed (N,K), a row of op(B) is a strided column and axpy would need a transposed
    /// copy, so it uses the dot formulation instead: <c>C[i,j] = Dot(A[i,:], B[j,:])</c>, both contiguous.</para>
    /// </summary>
    public static void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        if (transposeB)
        {
            if (transposeA)
            {
                throw new NotSupportedException("Aᵀ·Bᵀ does not occur in the models.");
            }

            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<float> aRow = a.Slice(i * lda, k);
                Span<float> cRow = c.Slice(i * ldc, n);
                for (int j = 0; j < n; j++)
                {
                    cRow[j] = TensorPrimitives.Dot(aRow, b.Slice(j * ldb, k));
                }
            }

            return;
        }

        for (int i = 0; i < m; i++)
        {
            Span<float> cRow = c.Slice(i * ldc, n);
            cRow.Clear();
            for (int p = 0; p < k; p++)
            {
                float aip = transposeA ? a[p * lda + i] : a[i * lda + p];
                TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), aip, cRow, cRow);
            }
        }
    }
}
