namespace MiniNetFgsm.Kernels;

/// <summary>
/// Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
/// a 3×3, stride-1 convolution computed with 16 multiplications per 2×2 block of outputs and input channel instead of 36.
/// </summary>
/// <remarks>
/// <para>For one output channel o, input channel c, a 4×4 tile d of the (zero-padded) input and the 3×3 kernel g, the
/// 2×2 block of outputs is <c>Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A</c>, exactly (in real arithmetic) the correlation of d
/// with g, where</para>
/// <code>
///      | 1  0 −1  0 |        |  1    0    0  |
/// Bᵀ = | 0  1  1  0 |    G = | 1/2  1/2  1/2 |    Aᵀ = | 1  1  1  0 |
///      | 0 −1  1  0 |        | 1/2 −1/2  1/2 |         | 0  1 −1 −1 |
///      | 0  1  0 −1 |        |  0    0    1  |
/// </code>
/// <para>Summed over c, the element-wise product becomes 16 matrix products, one per position ξ = 4a + b of the 4×4
/// transformed tile: <c>M[ξ] (O, T) = U[ξ] (O, C) · V[ξ] (C, T)</c> over the T tiles, with U = G g Gᵀ (the weights,
/// transformed once per call) and V = Bᵀ d B (the input). A GEMM of K = C instead of K = 9·C, and 16·C·O·T
/// multiply-adds instead of 36·C·O·T: 2.25× fewer. The transforms are additions only (and halvings, in G), linear in
/// the data; their cost grows with C·T and O·T, not with C·O·T.</para>
/// <para>Tiles start at every second row and column: tile (ty, tx) reads input rows 2ty − p … 2ty − p + 3 (p the
/// padding, zero outside the input) and produces outputs (2ty, 2tx) … (2ty + 1, 2tx + 1); a last row or column past
/// an odd output size is computed and dropped.</para>
/// <para>Files: this one holds the sizes, the weight-domain transforms (U = G g Gᵀ and dW = Gᵀ S G) and the per-image
/// drivers (<see cref="Convolve"/>, <see cref="AddWeightProducts"/>); <c>WinogradF2x3.InputTransform.cs</c> holds
/// V = Bᵀ d B and <c>WinogradF2x3.OutputTransforms.cs</c> Y = Aᵀ M A and E = A dy Aᵀ, each with a scalar path and a
/// vector path written once for 8 tiles a step (256-bit vectors) and 4 (128-bit), which give the scalar path's bits.</para>
/// <para>Rounding differs from the direct sum (the transforms add and subtract before multiplying), by a few units in
/// the last place of the inputs' magnitude: the tests compare with the reference within a relative 1e-5.</para>
/// </remarks>
public static partial class WinogradF2x3
{
    /// <summary>Positions of a transformed tile (4×4).</summary>
    public const int Positions = 16;

    /// <summary>Tiles covering an output of <paramref name="outputHeight"/> × <paramref name="outputWidth"/>: one per 2×2 block.</summary>
    public static int Tiles(int outputHeight, int outputWidth) => (outputHeight + 1) / 2 * ((outputWidth + 1) / 2);

    /// <summary>
    /// Floats from one position ξ to the next in a transformed buffer whose positions each hold a
    /// <paramref name="rows"/> × <paramref name="columns"/> matrix (V: C × T, M and E: O × T, U and S: O × C): the
    /// matrix's size rounded up to whole 64-byte lines, plus one line when that would put the 16 positions a multiple of
    /// 512 bytes apart.
    /// </summary>
    /// <remarks>
    /// Every transform reads or writes the 16 positions of a tile as 16 streams one stride apart. With mnist-cnn's
    /// conv2, O × T = 64 × 144 floats is exactly 9 × 4 KiB, so all 16 streams fell into one set of the 12-way L1 (and
    /// each store aliased the loads 4 KiB before it): <see cref="TransformOutputGradient(SimdWidth, ReadOnlySpan{float}, int, int, int, Span{float}, int, int)"/>
    /// took over three times as long as with one line more. A stride of q lines with
    /// q not a multiple of 8 puts the 16 streams in 16 different sets of a 64-set L1.
    /// </remarks>
    public static int PositionStride(int rows, int columns)
    {
        int lines = (int)(((long)rows * columns + 15) / 16);
        return 16 * (lines % 8 == 0 ? lines + 1 : lines);
    }

    /// <summary>Floats in a transformed buffer of 16 positions of <paramref name="rows"/> × <paramref name="columns"/>
    /// each: 16 · <see cref="PositionStride"/>.</summary>
    public static int BufferLength(int rows, int columns) => Positions * PositionStride(rows, columns);

    /// <summary>
    /// U[ξ, o, c] = (G g Gᵀ)[ξ] for every kernel g = w[o, c, :, :] of a (O, C, 3, 3) weight, into u (16, O, C), whose
    /// positions lie <see cref="PositionStride"/>(O, C) apart (u holds <see cref="BufferLength"/>(O, C) floats).
    /// With <paramref name="flipTranspose"/>, the kernel taken is g[i, j] = w[c, o, 2 − i, 2 − j] of a (C, O, 3, 3)
    /// weight instead: the input gradient of a convolution is the convolution of dy with its weight flipped and with
    /// the channel roles swapped.
    /// </summary>
    public static void TransformWeights(ReadOnlySpan<float> w, int outChannels, int inChannels, bool flipTranspose, Span<float> u)
    {
        int plane = outChannels * inChannels, stride = PositionStride(outChannels, inChannels);
        CheckLength(nameof(w), w.Length, plane * 9);
        CheckLength(nameof(u), u.Length, Positions * stride);
        Span<float> g = stackalloc float[9];
        Span<float> t = stackalloc float[12];
        for (int o = 0; o < outChannels; o++)
        {
            for (int c = 0; c < inChannels; c++)
            {
                for (int k = 0; k < 9; k++)
                {
                    g[k] = flipTranspose ? w[(c * outChannels + o) * 9 + 8 - k] : w[(o * inChannels + c) * 9 + k];
                }

                // t (4×3) = G g: rows g₀, (g₀ + g₁ + g₂)/2, (g₀ − g₁ + g₂)/2, g₂.
                for (int j = 0; j < 3; j++)
                {
                    float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                    t[j] = g0;
                    t[3 + j] = 0.5f * (g0 + g1 + g2);
                    t[6 + j] = 0.5f * (g0 - g1 + g2);
                    t[9 + j] = g2;
                }

                // U (4×4) = t Gᵀ: the same combination along each row.
                for (int a = 0; a < 4; a++)
                {
                    float t0 = t[3 * a], t1 = t[3 * a + 1], t2 = t[3 * a + 2];
                    int at = o * inChannels + c;
                    u[(4 * a) * stride + at] = t0;
                    u[(4 * a + 1) * stride + at] = 0.5f * (t0 + t1 + t2);
                    u[(4 * a + 2) * stride + at] = 0.5f * (t0 - t1 + t2);
                    u[(4 * a + 3) * stride + at] = t2;
                }
            }
        }
    }

    /// <summary>
    /// dw[o, c, :, :] += (Gᵀ S[:, o, c] G) for every o, c: the weight gradient from the 16 summed products s (16, O, C)
    /// (see <see cref="TransformOutputGradient(SimdWidth, ReadOnlySpan{float}, int, int, int, Span{float}, int, int)"/>).
    /// </summary>
    public static void AccumulateWeightGradient(ReadOnlySpan<float> s, int outChannels, int inChannels, Span<float> dw)
    {
        int plane = outChannels * inChannels, stride = PositionStride(outChannels, inChannels);
        CheckLength(nameof(s), s.Length, Positions * stride);
        CheckLength(nameof(dw), dw.Length, plane * 9);
        Span<float> t = stackalloc float[12];
        for (int k = 0; k < plane; k++)
        {
            // t (3×4) = Gᵀ S: rows S₀ + (S₁ + S₂)/2, (S₁ − S₂)/2, (S₁ + S₂)/2 + S₃ of the 4×4 sum.
            for (int b = 0; b < 4; b++)
            {
                float s0 = s[b * stride + k], s1 = s[(4 + b) * stride + k], s2 = s[(8 + b) * stride + k], s3 = s[(12 + b) * stride + k];
                t[b] = s0 + 0.5f * (s1 + s2);
                t[4 + b] = 0.5f * (s1 - s2);
                t[8 + b] = 0.5f * (s1 + s2) + s3;
            }

            // dW (3×3) = t G: the same combinations of each row's four columns.
            for (int i = 0; i < 3; i++)
            {
                float t0 = t[4 * i], t1 = t[4 * i + 1], t2 = t[4 * i + 2], t3 = t[4 * i + 3];
                dw[k * 9 + 3 * i] += t0 + 0.5f * (t1 + t2);
                dw[k * 9 + 3 * i + 1] += 0.5f * (t1 - t2);
                dw[k * 9 + 3 * i + 2] += 0.5f * (t1 + t2) + t3;
            }
        }
    }

    /// <summary>
    /// The whole convolution of one image, as <see cref="Layers.Conv2d"/>'s Winograd path does it:
    /// <c>y (O, OH, OW) = b + Σ_c x[c] ⋆ w[:, c]</c> with padding p, from weights already transformed into u (16, O, C):
    /// V = Bᵀ d B, M[ξ] = U[ξ] · V[ξ] for the 16 positions, y = Aᵀ M A + b. v (16, C, T) and m (16, O, T) are scratch;
    /// <paramref name="threads"/> goes to the GEMMs (the transforms run on the calling thread).
    /// </summary>
    public static void Convolve(ReadOnlySpan<float> x, int channels, int height, int width, int padding, ReadOnlySpan<float> u, ReadOnlySpan<float> bias, int outChannels, Span<float> y, Span<float> v, Span<float> m, int threads = 1)
    {
        int oh = height + 2 * padding - 2, ow = width + 2 * padding - 2, tiles = Tiles(oh, ow);
        (int uStride, int vStride, int mStride) = (PositionStride(outChannels, channels), PositionStride(channels, tiles), PositionStride(outChannels, tiles));
        TransformInput(x, channels, height, width, padding, oh, ow, v, 0, channels);
        for (int xi = 0; xi < Positions; xi++)
        {
            Gemm.Multiply(false, false, outChannels, tiles, channels,
                u.Slice(xi * uStride, outChannels * channels), channels,
                v.Slice(xi * vStride, channels * tiles), tiles,
                m.Slice(xi * mStride, outChannels * tiles), tiles, threads: threads);
        }

        TransformOutput(m, bias, outChannels, oh, ow, y, 0, outChannels);
    }

    /// <summary>
    /// One image's share of the weight gradient, in the transformed domain: S[ξ] (O, C) (+)= E[ξ] · V[ξ]ᵀ for the 16
    /// positions, with V the input transform of x (C, H, W) at padding p and E the output-gradient transform of dy
    /// (O, OH, OW) (see <see cref="TransformOutputGradient(SimdWidth, ReadOnlySpan{float}, int, int, int, Span{float}, int, int)"/>).
    /// <paramref name="accumulate"/> false starts the sums (the first image); <see cref="AccumulateWeightGradient"/> turns
    /// them into dW after the last. v (16, C, T) and e (16, O, T) are scratch.
    /// </summary>
    public static void AddWeightProducts(ReadOnlySpan<float> x, int channels, int height, int width, int padding, ReadOnlySpan<float> dy, int outChannels, Span<float> v, Span<float> e, Span<float> s, bool accumulate, int threads = 1)
    {
        int oh = height + 2 * padding - 2, ow = width + 2 * padding - 2, tiles = Tiles(oh, ow);
        (int eStride, int vStride, int sStride) = (PositionStride(outChannels, tiles), PositionStride(channels, tiles), PositionStride(outChannels, channels));
        TransformInput(x, channels, height, width, padding, oh, ow, v, 0, channels);
        TransformOutputGradient(dy, outChannels, oh, ow, e, 0, outChannels);
        for (int xi = 0; xi < Positions; xi++)
        {
            Gemm.Multiply(false, true, outChannels, channels, tiles,
                e.Slice(xi * eStride, outChannels * tiles), tiles,
                v.Slice(xi * vStride, channels * tiles), tiles,
                s.Slice(xi * sStride, outChannels * channels), channels, accumulate, threads);
        }
    }

    private static void CheckLength(string name, int length, long needed)
    {
        if (length < needed)
        {
            throw new ArgumentException($"{name} holds {length} floats; the Winograd transform needs {needed}.");
        }
    }
}
