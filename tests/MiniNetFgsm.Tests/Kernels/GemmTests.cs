using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class GemmTests
{
    // Float sums of K products of values in [-1, 1] are reordered by the blocked kernel (FMA, KC blocks, split K)
    // relative to the reference loop; rounding error grows with K, so the bound, relative to max(1, |value|), is
    // 1e-5 + 2e-8·K (≈ 100 ulps for small K).
    private static double Tolerance(int k) => 1e-5 + 2e-8 * k;

    /// <summary>Every width; those this CPU does not accelerate are reported Skipped.</summary>
    public static IEnumerable<TheoryDataRow<SimdWidth>> Widths() => SimdWidths.All();

    [Theory]
    [MemberData(nameof(Widths))]
    public void Multiply_AllSizesUpTo20AndEveryTransposeCase_MatchesReference(SimdWidth width)
    {
        var random = new Random(1);
        int[] sizes = [0, 1, 2, 3, 5, 6, 7, 8, 9, 13, 16, 17, 20];
        foreach (int m in sizes)
        {
            foreach (int n in sizes)
            {
                foreach (int k in new[] { 0, 1, 3, 7, 16, 19 })
                {
                    foreach (bool ta in new[] { false, true })
                    {
                        foreach (bool tb in new[] { false, true })
                        {
                            CheckAgainstReference(random, width, ta, tb, m, n, k, accumulate: (m + n + k) % 2 == 0, threads: 1);
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Multiply_SquareSizes0To64_MatchesReference(SimdWidth width)
    {
        var random = new Random(2);
        for (int size = 0; size <= 64; size++)
        {
            CheckAgainstReference(random, width, false, false, size, size, size, accumulate: false, threads: 1);
            CheckAgainstReference(random, width, true, true, size, size + 1, size, accumulate: true, threads: 1);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Multiply_LargeOddShapesAcrossBlockBoundaries_MatchesReference(SimdWidth width)
    {
        var random = new Random(3);

        // K > KC (256) crosses packing blocks; M > MC (120) crosses A blocks; N > NC (1024) crosses B blocks.
        CheckAgainstReference(random, width, false, true, 127, 61, 523, accumulate: false, threads: 2);
        CheckAgainstReference(random, width, true, false, 37, 2053, 11, accumulate: true, threads: 2);
        CheckAgainstReference(random, width, false, false, 241, 97, 257, accumulate: false, threads: 2);
        CheckAgainstReference(random, width, true, true, 131, 67, 300, accumulate: true, threads: 3);

        // Small M and N, huge K (a weight gradient): the K dimension is split across threads.
        CheckAgainstReference(random, width, false, true, 10, 25, 3001, accumulate: true, threads: 2);
        CheckAgainstReference(random, width, false, true, 5, 7, 2049, accumulate: false, threads: 3);

        // Small M, wide N (convolution forward): N is split across threads.
        CheckAgainstReference(random, width, false, false, 10, 1001, 25, accumulate: false, threads: 2);

        // C of 128Ki floats or more (per thread): every micro-tile of C, edge tiles included, is prefetched before its
        // kernel call; accumulating into a large C is fc1's weight gradient.
        CheckAgainstReference(random, width, true, false, 13, 10091, 37, accumulate: true, threads: 1);
        CheckAgainstReference(random, width, false, true, 31, 9001, 33, accumulate: false, threads: 2);
    }

    [Fact]
    public void WideTile512_OddShapesAcrossKBlocksAndEveryTransposeCase_MatchesReference()
    {
        // Gemm.Multiply only picks the 8×48 tile for some N, so drive it directly on shapes the 8×32 tile would get
        // too: edges in M (not a multiple of 8) and N (not of 48), K = 1 and K across its 160-step blocks.
        // Vector512 is emulated where the CPU lacks AVX-512, so this runs (slowly) everywhere.
        var random = new Random(5);
        foreach (int m in new[] { 1, 3, 8, 9, 17 })
        {
            foreach (int n in new[] { 1, 5, 47, 48, 49, 97 })
            {
                foreach (int k in new[] { 1, 7, 160, 161, 331 })
                {
                    foreach (bool ta in new[] { false, true })
                    {
                        foreach (bool tb in new[] { false, true })
                        {
                            CheckDriverAgainstReference<GemmMicroKernel512x48>(random, ta, tb, m, n, k, accumulate: (m + n + k) % 2 == 0, threads: (m + k) % 3 == 0 ? 2 : 1);
                        }
                    }
                }
            }
        }

        // Wide N split between threads, and a huge K split between threads.
        CheckDriverAgainstReference<GemmMicroKernel512x48>(random, false, false, 64, 2011, 288, accumulate: false, threads: 2);
        CheckDriverAgainstReference<GemmMicroKernel512x48>(random, false, true, 9, 13, 2053, accumulate: true, threads: 2);
    }

    [Fact]
    public void Broadcast128_OddShapesAcrossKBlocksAndEveryTransposeCase_MatchesReference()
    {
        // Gemm.Multiply only picks the broadcast-panel kernel on x64 without AVX (the ISA matrix's DOTNET_EnableAVX=0
        // leg), so drive it directly here: edges in M (not a multiple of 6) and N (not of 8), K = 1, K in one block (up to
        // 5/4 of its KC of 128) and across blocks, A packed even when row-major (it is never read in place), and A's row
        // padding NaN.
        var random = new Random(7);
        Assert.False(GemmDriver<GemmMicroKernel128Broadcast>.ReadsAInPlace(false, 64, 288));
        foreach (int m in new[] { 1, 5, 6, 7, 13, 121 })
        {
            foreach (int n in new[] { 1, 7, 8, 9, 31 })
            {
                foreach (int k in new[] { 1, 3, 160, 161, 331 })
                {
                    foreach (bool ta in new[] { false, true })
                    {
                        foreach (bool tb in new[] { false, true })
                        {
                            CheckDriverAgainstReference<GemmMicroKernel128Broadcast>(random, ta, tb, m, n, k, accumulate: (m + n + k) % 2 == 0,
                                threads: (m + k) % 3 == 0 ? 2 : 1, rowPadding: ta ? 0 : 3);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Driver_SixRowPanelsPackedByTransposes_MatchReference()
    {
        // A row-major A with rows 4 KiB apart is packed, not read in place; a 6-row kernel then packs whole panels by
        // in-register transposes: 8×8 with AVX, else 4×4 (SSE, NEON), whose stores spill 2 floats into the next k step
        // or the slack. K a multiple of 4 (the spill lands in the next panel or the slack), and not (a scalar tail);
        // M with and without a partial last panel; across KC blocks.
        var random = new Random(8);
        foreach (int m in new[] { 6, 12, 13, 121 })
        {
            foreach (int k in new[] { 4, 8, 12, 13, 331 })
            {
                Assert.False(GemmDriver<GemmMicroKernel128>.ReadsAInPlace(false, 9, 1024));
                CheckDriverAgainstReference<GemmMicroKernel128>(random, false, false, m, 9, k, accumulate: k % 2 == 0, threads: 1, rowPadding: 1024 - k);
                CheckDriverAgainstReference<GemmMicroKernelScalar>(random, false, true, m, 9, k, accumulate: k % 2 == 1, threads: 1, rowPadding: 1024 - k);
            }
        }
    }

    public static TheoryData<string> MicroKernels() => ["scalar", "128", "256", "512", "512x48"];

    [Theory]
    [MemberData(nameof(MicroKernels))]
    public void Driver_TallRowMajorA_ReadInPlace_MatchesReference(string kernel)
    {
        // A row-major A against a single column block of B is read where it is stored (StridedPanelA) instead of
        // packed; taller than one A block (MC = 120 rows) here. Rows not a multiple of MR (the last panel is packed), N not a multiple of
        // NR, K = 1, K across KC blocks, and A rows padded with NaN that must never be read. Every kernel runs it:
        // widths the CPU lacks are emulated, so this runs (slowly) everywhere.
        var random = new Random(6);
        foreach (int m in new[] { 121, 131, 250 })
        {
            foreach (int n in new[] { 1, 17, 64, 97 })
            {
                foreach (int k in new[] { 1, 13, 288, 601 })
                {
                    bool accumulate = (m + n + k) % 2 == 0;
                    int threads = (n + k) % 3 == 0 ? 2 : 1;
                    switch (kernel)
                    {
                        case "scalar": CheckReadInPlace<GemmMicroKernelScalar>(random, m, n, k, accumulate, threads); break;
                        case "128": CheckReadInPlace<GemmMicroKernel128>(random, m, n, k, accumulate, threads); break;
                        case "256": CheckReadInPlace<GemmMicroKernel256>(random, m, n, k, accumulate, threads); break;
                        case "512": CheckReadInPlace<GemmMicroKernel512>(random, m, n, k, accumulate, threads); break;
                        default: CheckReadInPlace<GemmMicroKernel512x48>(random, m, n, k, accumulate, threads); break;
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(false, 64, 288, true)]    // conv2 with the pixels as rows: read in place
    [InlineData(true, 64, 288, false)]    // a transposed A is packed
    [InlineData(false, 4096, 288, false)] // several column blocks of B
    [InlineData(false, 64, 9216, false)]  // rows 4 KiB apart (fc1's inputs) would share one L1 set
    public void ReadsAInPlace_ForRowMajorAAgainstOneColumnBlock(bool transposeA, int n, int lda, bool expected)
    {
        Assert.Equal(expected, GemmDriver<GemmMicroKernel512>.ReadsAInPlace(transposeA, n, lda));
        Assert.Equal(expected, GemmDriver<GemmMicroKernel256>.ReadsAInPlace(transposeA, n, lda));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(10, false)]
    [InlineData(32, false)]
    [InlineData(48, true)]
    [InlineData(128, false)]
    [InlineData(288, true)]
    [InlineData(576, true)]
    [InlineData(4096, true)]
    [InlineData(36864, true)]
    public void PrefersWideTile_PicksTheTileThatPadsNAboutAsTightly(int n, bool wide)
    {
        Assert.Equal(wide, Gemm.PrefersWideTile(n));
    }

    [Fact]
    public void Multiply_StridedOperands_LeavesPaddingUntouched()
    {
        var random = new Random(4);
        int m = 7, n = 11, k = 13, lda = 20, ldb = 15, ldc = 17;
        float[] a = TestData.Uniform(random, m * lda);
        float[] b = TestData.Uniform(random, k * ldb);
        float[] c = TestData.Uniform(random, m * ldc);
        float[] expected = (float[])c.Clone();

        Gemm.Multiply(false, false, m, n, k, a, lda, b, ldb, c, ldc);
        Gemm.Reference(false, false, m, n, k, a, lda, b, ldb, expected, ldc);

        Assert.True(TestData.MaxRelativeError(c, expected) < Tolerance(k));
        for (int i = 0; i < m; i++)
        {
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
            {
                Assert.Equal(expected[i * ldc + j], c[i * ldc + j]);
            }
        }
    }

    [Fact]
    public void Multiply_DifferentThreadCounts_GiveBitIdenticalResults()
    {
        var random = new Random(5);
        int m = 300, n = 70, k = 600;
        float[] a = TestData.Uniform(random, m * k);
        float[] b = TestData.Uniform(random, k * n);
        float[] one = new float[m * n];
        float[] two = new float[m * n];

        Gemm.Multiply(false, false, m, n, k, a, k, b, n, one, n, threads: 1);
        Gemm.Multiply(false, false, m, n, k, a, k, b, n, two, n, threads: 2);

        Assert.Equal(one, two);
    }

    [Theory]
    [InlineData(64, 64, 64)]     // C cut into rectangles
    [InlineData(5, 7, 4096)]     // K cut, partial Cs summed
    public void Multiply_OnTwoThreadsOnceWarm_AllocatesNothingOnTheCallingThread(int m, int n, int k)
    {
        var random = new Random(6);
        float[] a = TestData.Uniform(random, m * k), b = TestData.Uniform(random, k * n), c = new float[m * n];
        float[] expected = new float[m * n];
        long allocated = Allocations.LeastAfterWarmUp(() => Gemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, threads: 2), calls: 10);
        Gemm.Reference(false, false, m, n, k, a, k, b, n, expected, n);
        Assert.Equal(0, allocated);
        Assert.True(TestData.MaxRelativeError(c, expected) < Tolerance(k));
    }

    [Fact]
    public void Multiply_OperandTooShort_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 2, new float[3], 2, new float[4], 2, new float[4], 2));

        Assert.Contains("A holds 3 floats", ex.Message);
    }

    /// <summary>GemmDriver with one kernel against the reference. rowPadding &gt; 0 (a row-major A only) stores A's rows
    /// that many floats apart beyond K, the padding NaN: a kernel that reads past a row poisons C.</summary>
    private static unsafe void CheckDriverAgainstReference<TKernel>(Random random, bool ta, bool tb, int m, int n, int k, bool accumulate, int threads, int rowPadding = 0)
        where TKernel : IGemmMicroKernel
    {
        Assert.True(rowPadding == 0 || !ta);
        int lda = ta ? m : k + rowPadding, ldb = tb ? k : n;
        float[] values = TestData.Uniform(random, m * k);
        float[] a = values;
        if (rowPadding > 0)
        {
            a = new float[m * lda];
            Array.Fill(a, float.NaN);
            for (int i = 0; i < m; i++)
            {
                Array.Copy(values, i * k, a, i * lda, k);
            }
        }

        float[] b = TestData.Uniform(random, k * n);
        float[] c = TestData.Uniform(random, m * n);
        float[] expected = (float[])c.Clone();

        fixed (float* pa = a, pb = b, pc = c)
        {
            GemmDriver<TKernel>.Run(ta, tb, m, n, k, pa, lda, pb, ldb, pc, n, accumulate, threads);
        }

        Gemm.Reference(ta, tb, m, n, k, a, lda, b, ldb, expected, n, accumulate);

        double error = TestData.MaxRelativeError(c, expected);
        Assert.True(error < Tolerance(k), $"{typeof(TKernel).Name} ta={ta} tb={tb} m={m} n={n} k={k} lda={lda} acc={accumulate} threads={threads}: max error {error:g3}");
    }

    private static void CheckReadInPlace<TKernel>(Random random, int m, int n, int k, bool accumulate, int threads)
        where TKernel : IGemmMicroKernel
    {
        const int rowPadding = 5;
        Assert.True(GemmDriver<TKernel>.ReadsAInPlace(false, n, k + rowPadding));
        CheckDriverAgainstReference<TKernel>(random, false, false, m, n, k, accumulate, threads, rowPadding);
    }

    private static void CheckAgainstReference(Random random, SimdWidth width, bool ta, bool tb, int m, int n, int k, bool accumulate, int threads)
    {
        int lda = ta ? m : k, ldb = tb ? k : n;
        float[] a = TestData.Uniform(random, m * k);
        float[] b = TestData.Uniform(random, k * n);
        float[] c = TestData.Uniform(random, m * n);
        float[] expected = (float[])c.Clone();

        Gemm.Multiply(width, ta, tb, m, n, k, a, lda, b, ldb, c, n, accumulate, threads);
        Gemm.Reference(ta, tb, m, n, k, a, lda, b, ldb, expected, n, accumulate);

        double error = TestData.MaxRelativeError(c, expected);
        Assert.True(error < Tolerance(k), $"{width} ta={ta} tb={tb} m={m} n={n} k={k} acc={accumulate}: max error {error:g3}");
    }
}
