using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

/// <summary>The packing transposes against the definition dst[q, r] = src[r, q], with odd strides and short blocks.</summary>
public class TransposeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public unsafe void Transpose4x4_AnyRowCount_TransposesAndZeroesMissingRowsAndWritesNothingElse(int rows)
    {
        // Runs everywhere: without 128-bit shuffles Vector128Ops.Zip takes its portable path.
        CheckTranspose(4, rows, srcStride: 7, dstStride: 5, (src, srcStride, dst, dstStride, r) => Transpose4x4.Run(src, srcStride, dst, dstStride, r));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(8)]
    public unsafe void Transpose8x8_AnyRowCount_TransposesAndZeroesMissingRowsAndWritesNothingElse(int rows)
    {
        Assert.SkipUnless(Transpose8x8.IsSupported, "no AVX on this CPU");
        CheckTranspose(8, rows, srcStride: 11, dstStride: 9, (src, srcStride, dst, dstStride, r) => Transpose8x8.Run(src, srcStride, dst, dstStride, r));
    }

    private unsafe delegate void Transpose(float* src, long srcStride, float* dst, long dstStride, int rows);

    private static unsafe void CheckTranspose(int size, int rows, int srcStride, int dstStride, Transpose transpose)
    {
        var random = new Random(size * 10 + rows);
        float[] src = TestData.Uniform(random, (size - 1) * srcStride + size);
        float[] dst = new float[(size - 1) * dstStride + size + 3];
        Array.Fill(dst, float.NaN);
        fixed (float* s = src, d = dst)
        {
            transpose(s, srcStride, d, dstStride, rows);
        }

        for (int i = 0; i < dst.Length; i++)
        {
            (int q, int r) = Math.DivRem(i, dstStride);
            if (q < size && r < size)
            {
                Assert.Equal(r < rows ? src[r * srcStride + q] : 0f, dst[i]);
            }
            else
            {
                Assert.True(float.IsNaN(dst[i]), $"element {i} outside the {size}x{size} block was written");
            }
        }
    }
}
