using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
/// <para>Rounding differs from the direct sum (the transforms add and subtract before multiplying), by a few units in
/// the last place of the inputs' magnitude: the tests compare with the reference within a relative 1e-5.</para>
/// </remarks>
public static class WinogradF2x3
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
    /// took 3.3× as long as with one line more (131 against 40 µs per image on a Xeon). A stride of q lines with
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
    /// V[ξ, c, t] = (Bᵀ d B)[ξ] for the channels c in [firstChannel, lastChannel) of one image x (C, H, W), every tile t
    /// of an OH × OW output with padding p (d the tile's 4×4 input, zero outside x), into v (16, C, T), positions
    /// <see cref="PositionStride"/>(C, T) apart.
    /// </summary>
    /// <remarks>
    /// With 256-bit vectors (AVX), eight tiles of a tile row at a time: loads at columns 2tx and 2tx + 2, split into
    /// even and odd columns, give each tile's four columns as four vectors across the eight tiles, and the transform
    /// becomes additions of whole vectors, stored contiguously along t. A row of tiles that does not divide into
    /// eights ends with a step that overlaps the one before (recomputing the same values); tiles that reach into the
    /// padding take the scalar path.
    /// </remarks>
    public static void TransformInput(ReadOnlySpan<float> x, int channels, int height, int width, int padding, int outputHeight, int outputWidth, Span<float> v, int firstChannel, int lastChannel)
        => TransformInput(Simd.Width, x, channels, height, width, padding, outputHeight, outputWidth, v, firstChannel, lastChannel);

    /// <summary>As <see cref="TransformInput(ReadOnlySpan{float}, int, int, int, int, int, int, Span{float}, int, int)"/>
    /// with a chosen vector width (below 256 bits, or without AVX, every tile takes the scalar path).</summary>
    public static void TransformInput(SimdWidth simd, ReadOnlySpan<float> x, int channels, int height, int width, int padding, int outputHeight, int outputWidth, Span<float> v, int firstChannel, int lastChannel)
    {
        int tilesY = (outputHeight + 1) / 2, tilesX = (outputWidth + 1) / 2, tiles = tilesY * tilesX;
        CheckLength(nameof(x), x.Length, channels * height * width);
        nint stride = PositionStride(channels, tiles);      // from one position ξ to the next in v
        CheckLength(nameof(v), v.Length, Positions * stride);
        bool vectors = simd >= SimdWidth.V256 && Avx.IsSupported && tilesX >= 8;
        Span<float> d = stackalloc float[16];
        for (int c = firstChannel; c < lastChannel; c++)
        {
            ref readonly float plane = ref x[c * height * width];
            ref float vc = ref v[c * tiles];
            for (int ty = 0; ty < tilesY; ty++)
            {
                int top = 2 * ty - padding;
                bool rowsInside = top >= 0 && top + 4 <= height;
                int tx = 0;
                // Tiles [first, last) lie inside the plane's columns; eight from tx read columns 2tx − p … 2tx − p + 17.
                int first = (padding + 1) / 2, last = width + padding >= 18 ? Math.Min(tilesX, (width + padding - 18) / 2 + 8) : 0;
                if (vectors && rowsInside && last - first >= 8)
                {
                    for (; tx < first; tx++)
                    {
                        EdgeTile(in plane, height, width, top, 2 * tx - padding, d, ref Unsafe.Add(ref vc, ty * tilesX + tx), stride);
                    }

                    for (int at = first; at < last; at += 8)
                    {
                        int step = Math.Min(at, last - 8);
                        TransformEight(in Unsafe.Add(ref Unsafe.AsRef(in plane), top * width + 2 * step - padding), width, ref Unsafe.Add(ref vc, ty * tilesX + step), stride);
                    }

                    tx = last;
                }

                for (; tx < tilesX; tx++)
                {
                    int left = 2 * tx - padding;
                    if (rowsInside && left >= 0 && left + 4 <= width)
                    {
                        // Interior tile: read straight from the plane.
                        TransformTile(in Unsafe.Add(ref Unsafe.AsRef(in plane), top * width + left), width, ref Unsafe.Add(ref vc, ty * tilesX + tx), stride);
                    }
                    else
                    {
                        EdgeTile(in plane, height, width, top, left, d, ref Unsafe.Add(ref vc, ty * tilesX + tx), stride);
                    }
                }
            }
        }
    }

    /// <summary>A tile that reaches outside the plane: copied with zeros there, then transformed.</summary>
    private static void EdgeTile(ref readonly float plane, int height, int width, int top, int left, Span<float> d, ref float v, nint stride)
    {
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                int r = top + i, col = left + j;
                d[4 * i + j] = r >= 0 && r < height && col >= 0 && col < width ? Unsafe.Add(ref Unsafe.AsRef(in plane), r * width + col) : 0f;
            }
        }

        TransformTile(in d[0], 4, ref v, stride);
    }

    /// <summary>
    /// y[o, 2ty + i, 2tx + j] = (Aᵀ M[:, o, t] A)[i, j] + b[o] for the output channels o in [firstChannel, lastChannel)
    /// of one image, from m (16, O, T), positions <see cref="PositionStride"/>(O, T) apart: every output of an
    /// (O, OH, OW) y. <paramref name="bias"/> may be empty.
    /// </summary>
    /// <remarks>
    /// With AVX, eight tiles at a time: the 16 positions of eight consecutive tiles are 16 contiguous vectors of m, the
    /// transform adds whole vectors, and interleaving the two columns of outputs gives 16 consecutive floats of each of
    /// the two output rows. Tiles in a last odd row or column take the scalar path.
    /// </remarks>
    public static void TransformOutput(ReadOnlySpan<float> m, ReadOnlySpan<float> bias, int outChannels, int outputHeight, int outputWidth, Span<float> y, int firstChannel, int lastChannel)
        => TransformOutput(Simd.Width, m, bias, outChannels, outputHeight, outputWidth, y, firstChannel, lastChannel);

    /// <summary>As <see cref="TransformOutput(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int, Span{float}, int, int)"/>
    /// with a chosen vector width.</summary>
    public static void TransformOutput(SimdWidth simd, ReadOnlySpan<float> m, ReadOnlySpan<float> bias, int outChannels, int outputHeight, int outputWidth, Span<float> y, int firstChannel, int lastChannel)
    {
        int tilesY = (outputHeight + 1) / 2, tilesX = (outputWidth + 1) / 2, tiles = tilesY * tilesX;
        nint stride = PositionStride(outChannels, tiles);
        CheckLength(nameof(m), m.Length, Positions * stride);
        CheckLength(nameof(y), y.Length, outChannels * outputHeight * outputWidth);
        int fullX = outputWidth / 2;        // tiles whose two columns are both outputs
        bool vectors = simd >= SimdWidth.V256 && Avx.IsSupported && fullX >= 8;
        for (int o = firstChannel; o < lastChannel; o++)
        {
            float b = bias.IsEmpty ? 0f : bias[o];
            ref readonly float mo = ref m[o * tiles];
            Span<float> plane = y.Slice(o * outputHeight * outputWidth, outputHeight * outputWidth);
            for (int ty = 0; ty < tilesY; ty++)
            {
                int oy = 2 * ty, tx = 0;
                if (vectors && oy + 1 < outputHeight)
                {
                    for (; tx < fullX; tx += 8)
                    {
                        int at = Math.Min(tx, fullX - 8);
                        OutputEight(in Unsafe.Add(ref Unsafe.AsRef(in mo), ty * tilesX + at), stride, b, ref plane[oy * outputWidth + 2 * at], outputWidth);
                    }

                    tx = fullX;
                }

                for (; tx < tilesX; tx++)
                {
                    (float y00, float y01, float y10, float y11) = OutputTile(in Unsafe.Add(ref Unsafe.AsRef(in mo), ty * tilesX + tx), stride);
                    int ox = 2 * tx, at = oy * outputWidth + ox;
                    bool right = ox + 1 < outputWidth, below = oy + 1 < outputHeight;
                    plane[at] = y00 + b;
                    if (right)
                    {
                        plane[at + 1] = y01 + b;
                    }

                    if (below)
                    {
                        plane[at + outputWidth] = y10 + b;
                        if (right)
                        {
                            plane[at + outputWidth + 1] = y11 + b;
                        }
                    }
                }
            }
        }
    }

    /// <summary>As <see cref="TransformOutputGradient(SimdWidth, ReadOnlySpan{float}, int, int, int, Span{float}, int, int)"/> at the widest width.</summary>
    public static void TransformOutputGradient(ReadOnlySpan<float> dy, int outChannels, int outputHeight, int outputWidth, Span<float> e, int firstChannel, int lastChannel)
        => TransformOutputGradient(Simd.Width, dy, outChannels, outputHeight, outputWidth, e, firstChannel, lastChannel);

    /// <summary>
    /// E[ξ, o, t] = (A e Aᵀ)[ξ] for the output-gradient block e = dy[o, 2ty … 2ty + 1, 2tx … 2tx + 1] of every tile t (zero
    /// past an odd OH or OW), channels o in [firstChannel, lastChannel) of one image's dy (O, OH, OW), into e (16, O, T),
    /// positions <see cref="PositionStride"/>(O, T) apart.
    /// A = (Aᵀ)ᵀ, the 4×2 matrix [1 0; 1 1; 1 −1; 0 −1].
    /// </summary>
    /// <remarks>
    /// The weight gradient dW[o, c] = Σ dy[o] ⋆ x[c] (a 3×3 result) is Winograd's F(3×3, 2×2) run over 2×2 blocks of dy,
    /// the transpose of F(2×2, 3×3): the same tensor identity, read with the roles of A and G swapped, gives
    /// <c>dW = Gᵀ [ Σ_t (A e_t Aᵀ) ⊙ (Bᵀ d_t B) ] G</c>, where d_t is the forward's input tile t (V, from
    /// <see cref="TransformInput(ReadOnlySpan{float}, int, int, int, int, int, int, Span{float}, int, int)"/>). Summed over
    /// tiles and images inside the transform, that is 16 products S[ξ] (O, C) += E[ξ] (O, T) · V[ξ]ᵀ (T, C), and one
    /// <see cref="AccumulateWeightGradient"/> per call. With AVX, eight tiles at a time (even and odd columns of two
    /// dy rows), as in the other transforms.
    /// </remarks>
    public static void TransformOutputGradient(SimdWidth simd, ReadOnlySpan<float> dy, int outChannels, int outputHeight, int outputWidth, Span<float> e, int firstChannel, int lastChannel)
    {
        int tilesY = (outputHeight + 1) / 2, tilesX = (outputWidth + 1) / 2, tiles = tilesY * tilesX;
        CheckLength(nameof(dy), dy.Length, outChannels * outputHeight * outputWidth);
        nint stride = PositionStride(outChannels, tiles);
        CheckLength(nameof(e), e.Length, Positions * stride);
        int fullX = outputWidth / 2;
        bool vectors = simd >= SimdWidth.V256 && Avx.IsSupported && fullX >= 8;
        for (int o = firstChannel; o < lastChannel; o++)
        {
            ReadOnlySpan<float> plane = dy.Slice(o * outputHeight * outputWidth, outputHeight * outputWidth);
            ref float eo = ref e[o * tiles];
            for (int ty = 0; ty < tilesY; ty++)
            {
                int oy = 2 * ty, tx = 0;
                if (vectors && oy + 1 < outputHeight)
                {
                    for (; tx < fullX; tx += 8)
                    {
                        int at = Math.Min(tx, fullX - 8);
                        ref readonly float r0 = ref plane[oy * outputWidth + 2 * at];
                        Vector256<float> lo = Vector256.LoadUnsafe(in r0), hi = Vector256.LoadUnsafe(in r0, 8);
                        Vector256<float> lo1 = Vector256.LoadUnsafe(in r0, (nuint)outputWidth), hi1 = Vector256.LoadUnsafe(in r0, (nuint)outputWidth + 8);
                        GradientTile(Evens(lo, hi), Odds(lo, hi), Evens(lo1, hi1), Odds(lo1, hi1), ref Unsafe.Add(ref eo, ty * tilesX + at), stride);
                    }

                    tx = fullX;
                }

                for (; tx < tilesX; tx++)
                {
                    int ox = 2 * tx, at = oy * outputWidth + ox;
                    bool right = ox + 1 < outputWidth, below = oy + 1 < outputHeight;
                    float e00 = plane[at], e01 = right ? plane[at + 1] : 0f;
                    float e10 = below ? plane[at + outputWidth] : 0f, e11 = below && right ? plane[at + outputWidth + 1] : 0f;
                    GradientTile(e00, e01, e10, e11, ref Unsafe.Add(ref eo, ty * tilesX + tx), stride);
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

    /// <summary>e[ξ·stride] = (A E Aᵀ)[ξ] for the 2×2 block E: rows E₀, E₀ + E₁, E₀ − E₁, −E₁, then the same across columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTile(float e00, float e01, float e10, float e11, ref float e, nint stride)
    {
        GradientRow(ref e, 0, stride, e00, e01);
        GradientRow(ref e, 4, stride, e00 + e10, e01 + e11);
        GradientRow(ref e, 8, stride, e00 - e10, e01 - e11);
        GradientRow(ref e, 12, stride, -e10, -e11);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientRow(ref float e, int first, nint stride, float q0, float q1)
    {
        Unsafe.Add(ref e, first * stride) = q0;
        Unsafe.Add(ref e, (first + 1) * stride) = q0 + q1;
        Unsafe.Add(ref e, (first + 2) * stride) = q0 - q1;
        Unsafe.Add(ref e, (first + 3) * stride) = -q1;
    }

    /// <summary><see cref="GradientTile(float, float, float, float, ref float, nint)"/> for eight tiles (lane k is tile k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTile(Vector256<float> e00, Vector256<float> e01, Vector256<float> e10, Vector256<float> e11, ref float e, nint stride)
    {
        GradientRow(ref e, 0, stride, e00, e01);
        GradientRow(ref e, 4, stride, e00 + e10, e01 + e11);
        GradientRow(ref e, 8, stride, e00 - e10, e01 - e11);
        GradientRow(ref e, 12, stride, -e10, -e11);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientRow(ref float e, int first, nint stride, Vector256<float> q0, Vector256<float> q1)
    {
        q0.StoreUnsafe(ref Unsafe.Add(ref e, first * stride));
        (q0 + q1).StoreUnsafe(ref Unsafe.Add(ref e, (first + 1) * stride));
        (q0 - q1).StoreUnsafe(ref Unsafe.Add(ref e, (first + 2) * stride));
        (-q1).StoreUnsafe(ref Unsafe.Add(ref e, (first + 3) * stride));
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

    /// <summary>v[ξ·stride] = (Bᵀ d B)[ξ] for the 4×4 tile d at <paramref name="d"/> with row stride <paramref name="rowStride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformTile(ref readonly float d, int rowStride, ref float v, nint stride)
    {
        // Columns first: t = Bᵀ d, row by row combinations of the tile's rows (d₀ − d₂, d₁ + d₂, d₂ − d₁, d₁ − d₃).
        ref float r0 = ref Unsafe.AsRef(in d);
        ref float r1 = ref Unsafe.Add(ref r0, rowStride);
        ref float r2 = ref Unsafe.Add(ref r1, rowStride);
        ref float r3 = ref Unsafe.Add(ref r2, rowStride);
        float t00 = r0 - r2, t01 = Unsafe.Add(ref r0, 1) - Unsafe.Add(ref r2, 1), t02 = Unsafe.Add(ref r0, 2) - Unsafe.Add(ref r2, 2), t03 = Unsafe.Add(ref r0, 3) - Unsafe.Add(ref r2, 3);
        float t10 = r1 + r2, t11 = Unsafe.Add(ref r1, 1) + Unsafe.Add(ref r2, 1), t12 = Unsafe.Add(ref r1, 2) + Unsafe.Add(ref r2, 2), t13 = Unsafe.Add(ref r1, 3) + Unsafe.Add(ref r2, 3);
        float t20 = r2 - r1, t21 = Unsafe.Add(ref r2, 1) - Unsafe.Add(ref r1, 1), t22 = Unsafe.Add(ref r2, 2) - Unsafe.Add(ref r1, 2), t23 = Unsafe.Add(ref r2, 3) - Unsafe.Add(ref r1, 3);
        float t30 = r1 - r3, t31 = Unsafe.Add(ref r1, 1) - Unsafe.Add(ref r3, 1), t32 = Unsafe.Add(ref r1, 2) - Unsafe.Add(ref r3, 2), t33 = Unsafe.Add(ref r1, 3) - Unsafe.Add(ref r3, 3);

        // Then rows: V = t B, the same combinations of each row's four columns.
        StoreRow(ref v, 0, stride, t00, t01, t02, t03);
        StoreRow(ref v, 4, stride, t10, t11, t12, t13);
        StoreRow(ref v, 8, stride, t20, t21, t22, t23);
        StoreRow(ref v, 12, stride, t30, t31, t32, t33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref float v, int first, nint stride, float e0, float e1, float e2, float e3)
    {
        Unsafe.Add(ref v, first * stride) = e0 - e2;
        Unsafe.Add(ref v, (first + 1) * stride) = e1 + e2;
        Unsafe.Add(ref v, (first + 2) * stride) = e2 - e1;
        Unsafe.Add(ref v, (first + 3) * stride) = e1 - e3;
    }

    /// <summary>Y (2×2) = Aᵀ M A for the tile whose 16 positions are m[ξ·stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (float Y00, float Y01, float Y10, float Y11) OutputTile(ref readonly float m, nint stride)
    {
        ref float m0 = ref Unsafe.AsRef(in m);
        ref float m1 = ref Unsafe.Add(ref m0, 4 * stride);
        ref float m2 = ref Unsafe.Add(ref m1, 4 * stride);
        ref float m3 = ref Unsafe.Add(ref m2, 4 * stride);

        // s (2×4) = Aᵀ M: rows M₀ + M₁ + M₂ and M₁ − M₂ − M₃ of the 4×4 tile (row a of M is positions 4a … 4a + 3).
        float s00 = m0 + m1 + m2, s10 = m1 - m2 - m3;
        float s01 = Unsafe.Add(ref m0, stride) + Unsafe.Add(ref m1, stride) + Unsafe.Add(ref m2, stride);
        float s11 = Unsafe.Add(ref m1, stride) - Unsafe.Add(ref m2, stride) - Unsafe.Add(ref m3, stride);
        float s02 = Unsafe.Add(ref m0, 2 * stride) + Unsafe.Add(ref m1, 2 * stride) + Unsafe.Add(ref m2, 2 * stride);
        float s12 = Unsafe.Add(ref m1, 2 * stride) - Unsafe.Add(ref m2, 2 * stride) - Unsafe.Add(ref m3, 2 * stride);
        float s03 = Unsafe.Add(ref m0, 3 * stride) + Unsafe.Add(ref m1, 3 * stride) + Unsafe.Add(ref m2, 3 * stride);
        float s13 = Unsafe.Add(ref m1, 3 * stride) - Unsafe.Add(ref m2, 3 * stride) - Unsafe.Add(ref m3, 3 * stride);

        // Y = s A: the same two combinations of each row's columns.
        return (s00 + s01 + s02, s01 - s02 - s03, s10 + s11 + s12, s11 - s12 - s13);
    }

    /// <summary>
    /// <see cref="TransformTile"/> for the eight tiles whose first input column is at <paramref name="d"/> (tile k starts
    /// 2k columns on): lane k of every vector is tile k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformEight(ref readonly float d, int rowStride, ref float v, nint stride)
    {
        // Columns j = 0 … 3 of each tile row, as vectors over the eight tiles.
        (Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3) = Columns(in d);
        (Vector256<float> b0, Vector256<float> b1, Vector256<float> b2, Vector256<float> b3) = Columns(in Unsafe.Add(ref Unsafe.AsRef(in d), rowStride));
        (Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3) = Columns(in Unsafe.Add(ref Unsafe.AsRef(in d), 2 * rowStride));
        (Vector256<float> e0, Vector256<float> e1, Vector256<float> e2, Vector256<float> e3) = Columns(in Unsafe.Add(ref Unsafe.AsRef(in d), 3 * rowStride));

        // t = Bᵀ d (rows d₀ − d₂, d₁ + d₂, d₂ − d₁, d₁ − d₃), then V = t B, as in TransformTile.
        StoreRow(ref v, 0, stride, a0 - c0, a1 - c1, a2 - c2, a3 - c3);
        StoreRow(ref v, 4, stride, b0 + c0, b1 + c1, b2 + c2, b3 + c3);
        StoreRow(ref v, 8, stride, c0 - b0, c1 - b1, c2 - b2, c3 - b3);
        StoreRow(ref v, 12, stride, b0 - e0, b1 - e1, b2 - e2, b3 - e3);
    }

    /// <summary>Columns 2k, 2k + 1, 2k + 2, 2k + 3 of the row at r for k = 0 … 7: even and odd elements of two loads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> C0, Vector256<float> C1, Vector256<float> C2, Vector256<float> C3) Columns(ref readonly float r)
    {
        Vector256<float> lo = Vector256.LoadUnsafe(in r), hi = Vector256.LoadUnsafe(in r, 8);
        Vector256<float> lo2 = Vector256.LoadUnsafe(in r, 2), hi2 = Vector256.LoadUnsafe(in r, 10);
        return (Evens(lo, hi), Odds(lo, hi), Evens(lo2, hi2), Odds(lo2, hi2));
    }

    /// <summary>[a₀ a₂ a₄ a₆ b₀ b₂ b₄ b₆]: shufps picks the evens within each 128-bit half, then a 64-bit permute restores the order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Evens(Vector256<float> a, Vector256<float> b)
        => Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>[a₁ a₃ a₅ a₇ b₁ b₃ b₅ b₇].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Odds(Vector256<float> a, Vector256<float> b)
        => Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref float v, int first, nint stride, Vector256<float> e0, Vector256<float> e1, Vector256<float> e2, Vector256<float> e3)
    {
        (e0 - e2).StoreUnsafe(ref Unsafe.Add(ref v, first * stride));
        (e1 + e2).StoreUnsafe(ref Unsafe.Add(ref v, (first + 1) * stride));
        (e2 - e1).StoreUnsafe(ref Unsafe.Add(ref v, (first + 2) * stride));
        (e1 - e3).StoreUnsafe(ref Unsafe.Add(ref v, (first + 3) * stride));
    }

    /// <summary>
    /// <see cref="OutputTile"/> for eight consecutive tiles (lane k of each of m's 16 position vectors), plus the bias,
    /// stored as 16 consecutive outputs of row 0 at <paramref name="y"/> and of row 1, <paramref name="rowStride"/> on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputEight(ref readonly float m, nint stride, float bias, ref float y, int rowStride)
    {
        ref float m0 = ref Unsafe.AsRef(in m);
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        for (int b = 0; b < 4; b++)
        {
            // Column b of the 4×4 tiles: s₀ = M₀ + M₁ + M₂ and s₁ = M₁ − M₂ − M₃ down the rows.
            Vector256<float> r0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref m0, b * stride));
            Vector256<float> r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref m0, (4 + b) * stride));
            Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref m0, (8 + b) * stride));
            Vector256<float> r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref m0, (12 + b) * stride));
            Vector256<float> top = r0 + r1 + r2, bottom = r1 - r2 - r3;
            switch (b)
            {
                case 0: (s00, s10) = (top, bottom); break;
                case 1: (s01, s11) = (top, bottom); break;
                case 2: (s02, s12) = (top, bottom); break;
                default: (s03, s13) = (top, bottom); break;
            }
        }

        Vector256<float> bv = Vector256.Create(bias);
        StoreInterleaved(s00 + s01 + s02 + bv, s01 - s02 - s03 + bv, ref y);
        StoreInterleaved(s10 + s11 + s12 + bv, s11 - s12 - s13 + bv, ref Unsafe.Add(ref y, rowStride));
    }

    /// <summary>y[0 … 15] = a₀ b₀ a₁ b₁ … a₇ b₇ (unpack within 128-bit halves, then recombine the halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInterleaved(Vector256<float> a, Vector256<float> b, ref float y)
    {
        Vector256<float> low = Avx.UnpackLow(a, b), high = Avx.UnpackHigh(a, b);      // a0 b0 a1 b1 | a4 b4 a5 b5 ; a2 b2 a3 b3 | a6 b6 a7 b7
        Avx.Permute2x128(low, high, 0x20).StoreUnsafe(ref y);
        Avx.Permute2x128(low, high, 0x31).StoreUnsafe(ref y, 8);
    }

    private static void CheckLength(string name, int length, long needed)
    {
        if (length < needed)
        {
            throw new ArgumentException($"{name} holds {length} floats; the Winograd transform needs {needed}.");
        }
    }
}
