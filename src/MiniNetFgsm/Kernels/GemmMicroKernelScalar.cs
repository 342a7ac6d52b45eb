namespace MiniNetFgsm.Kernels;

/// <summary>
/// Portable 6×4 micro-kernel without SIMD, for CPUs (or runs with <c>DOTNET_EnableHWIntrinsic=0</c>) where no
/// vector width is accelerated. Same packing and blocking as the SIMD kernels; 24 scalar accumulators.
/// </summary>
internal readonly struct GemmMicroKernelScalar : IGemmMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 4;

    /// <summary>256 k steps, as the vector kernels.</summary>
    public static int Kc => 256;

    public static unsafe void Run<TA>(int kc, float* a, nint lda, float* next, float* b, float* c, int ldc, bool accumulate)
        where TA : IGemmPanelA
    {
        float* acc = stackalloc float[6 * 4];
        new Span<float>(acc, 24).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 6; i++)
            {
                float ai = a[TA.Row(i, lda)];
                acc[i * 4 + 0] += ai * b[0];
                acc[i * 4 + 1] += ai * b[1];
                acc[i * 4 + 2] += ai * b[2];
                acc[i * 4 + 3] += ai * b[3];
            }

            TA.Prefetch(p, next, lda, 6);
            a += TA.Step(6);
            b += 4;
        }

        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i * 4 + j] : acc[i * 4 + j];
            }
        }
    }
}
