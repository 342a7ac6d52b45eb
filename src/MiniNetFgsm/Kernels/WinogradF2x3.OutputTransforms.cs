using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The output transform Y = Aᵀ M A of Winograd's F(2×2, 3×3) and its transpose for the output gradient,
/// E = A dy Aᵀ (see <see cref="WinogradF2x3"/>'s header).</summary>
public static partial class WinogradF2x3
{
    /// <summary>
    /// y[o, 2ty + i, 2tx + j] = (Aᵀ M[:, o, t] A)[i, j] + b[o] for the output channels o in [firstChannel, lastChannel)
    /// of one image, from m (16, O, T), positions <see cref="PositionStride"/>(O, T) apart: every output of an
    /// (O, OH, OW) y. <paramref name="bias"/> may be empty.
    /// </summary>
    /// <remarks>
    /// With vectors of L floats (8 at 256 bits and above, 4 at 128), L tiles at a time: the 16 positions of L
    /// consecutive tiles are 16 contiguous vectors of m, the transform adds whole vectors, and interleaving the two
    /// columns of outputs gives 2L consecutive floats of each of the two output rows. Tiles in a last odd row or column
    /// take the scalar path.
    /// </remarks>
    public static void TransformOutput(ReadOnlySpan<float> m, ReadOnlySpan<float> bias, int outChannels, int outputHeight, int outputWidth, Span<float> y, int firstChannel, int lastChannel)
        => TransformOutput(Simd.Width, m, bias, outChannels, outputHeight, outputWidth, y, firstChannel, lastChannel);

    /// <summary>As <see cref="TransformOutput(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int, Span{float}, int, int)"/>
    /// with a chosen vector width (<see cref="SimdWidth.Scalar"/>: the scalar reference).</summary>
    public static void TransformOutput(SimdWidth simd, ReadOnlySpan<float> m, ReadOnlySpan<float> bias, int outChannels, int outputHeight, int outputWidth, Span<float> y, int firstChannel, int lastChannel)
    {
        if (simd >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            TransformOutput<Vector256<float>, Vector256Ops>(m, bias, outChannels, outputHeight, outputWidth, y, firstChannel, lastChannel, vectors: true);
        }
        else
        {
            bool vectors = simd >= SimdWidth.V128 && Vector128.IsHardwareAccelerated;
            TransformOutput<Vector128<float>, Vector128Ops>(m, bias, outChannels, outputHeight, outputWidth, y, firstChannel, lastChannel, vectors);
        }
    }

    private static void TransformOutput<TVec, TOps>(ReadOnlySpan<float> m, ReadOnlySpan<float> bias, int outChannels, int outputHeight, int outputWidth, Span<float> y, int firstChannel, int lastChannel, bool vectors)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        int lanes = TOps.Count;
        int tilesY = (outputHeight + 1) / 2, tilesX = (outputWidth + 1) / 2, tiles = tilesY * tilesX;
        nint stride = PositionStride(outChannels, tiles);
        CheckLength(nameof(m), m.Length, Positions * stride);
        CheckLength(nameof(y), y.Length, outChannels * outputHeight * outputWidth);
        int fullX = outputWidth / 2;        // tiles whose two columns are both outputs
        vectors &= fullX >= lanes;

        // Refs below reach m[o·T + t + ξ·stride] for t < T, ξ < 16: in bounds as O·T ≤ stride (PositionStride).
        Debug.Assert(firstChannel >= 0 && lastChannel <= outChannels && outChannels * tiles <= stride);
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
                    for (; tx < fullX; tx += lanes)
                    {
                        int at = Math.Min(tx, fullX - lanes);
                        Debug.Assert(at >= 0 && 2 * (at + lanes) <= outputWidth && oy + 1 < outputHeight);    // 2L columns of two rows
                        OutputTiles<TVec, TOps>(in Unsafe.Add(ref Unsafe.AsRef(in mo), ty * tilesX + at), stride, b, ref plane[oy * outputWidth + 2 * at], outputWidth);
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
    /// <see cref="AccumulateWeightGradient"/> per call. With vectors, L tiles at a time (even and odd columns of two
    /// dy rows), as in the other transforms.
    /// </remarks>
    public static void TransformOutputGradient(SimdWidth simd, ReadOnlySpan<float> dy, int outChannels, int outputHeight, int outputWidth, Span<float> e, int firstChannel, int lastChannel)
    {
        if (simd >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            TransformOutputGradient<Vector256<float>, Vector256Ops>(dy, outChannels, outputHeight, outputWidth, e, firstChannel, lastChannel, vectors: true);
        }
        else
        {
            bool vectors = simd >= SimdWidth.V128 && Vector128.IsHardwareAccelerated;
            TransformOutputGradient<Vector128<float>, Vector128Ops>(dy, outChannels, outputHeight, outputWidth, e, firstChannel, lastChannel, vectors);
        }
    }

    private static void TransformOutputGradient<TVec, TOps>(ReadOnlySpan<float> dy, int outChannels, int outputHeight, int outputWidth, Span<float> e, int firstChannel, int lastChannel, bool vectors)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        int lanes = TOps.Count;
        int tilesY = (outputHeight + 1) / 2, tilesX = (outputWidth + 1) / 2, tiles = tilesY * tilesX;
        CheckLength(nameof(dy), dy.Length, outChannels * outputHeight * outputWidth);
        nint stride = PositionStride(outChannels, tiles);
        CheckLength(nameof(e), e.Length, Positions * stride);
        int fullX = outputWidth / 2;
        vectors &= fullX >= lanes;

        // Refs below reach e[o·T + t + ξ·stride] for t < T, ξ < 16: in bounds as O·T ≤ stride (PositionStride).
        Debug.Assert(firstChannel >= 0 && lastChannel <= outChannels && outChannels * tiles <= stride);
        for (int o = firstChannel; o < lastChannel; o++)
        {
            ReadOnlySpan<float> plane = dy.Slice(o * outputHeight * outputWidth, outputHeight * outputWidth);
            ref float eo = ref e[o * tiles];
            for (int ty = 0; ty < tilesY; ty++)
            {
                int oy = 2 * ty, tx = 0;
                if (vectors && oy + 1 < outputHeight)
                {
                    for (; tx < fullX; tx += lanes)
                    {
                        int at = Math.Min(tx, fullX - lanes);
                        Debug.Assert(at >= 0 && 2 * (at + lanes) <= outputWidth && oy + 1 < outputHeight);    // 2L columns of two rows
                        ref readonly float r0 = ref plane[oy * outputWidth + 2 * at];
                        (TVec e00, TVec e01) = TOps.Unzip(TOps.Load(in r0, 0), TOps.Load(in r0, (nuint)lanes));
                        (TVec e10, TVec e11) = TOps.Unzip(TOps.Load(in r0, (nuint)outputWidth), TOps.Load(in r0, (nuint)(outputWidth + lanes)));
                        GradientTiles<TVec, TOps>(e00, e01, e10, e11, ref Unsafe.Add(ref eo, ty * tilesX + at), stride);
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

    /// <summary><see cref="GradientTile(float, float, float, float, ref float, nint)"/> for L tiles (lane k is tile k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTiles<TVec, TOps>(TVec e00, TVec e01, TVec e10, TVec e11, ref float e, nint stride)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        GradientRow<TVec, TOps>(ref e, 0, stride, e00, e01);
        GradientRow<TVec, TOps>(ref e, 4, stride, TOps.Add(e00, e10), TOps.Add(e01, e11));
        GradientRow<TVec, TOps>(ref e, 8, stride, TOps.Subtract(e00, e10), TOps.Subtract(e01, e11));
        GradientRow<TVec, TOps>(ref e, 12, stride, TOps.Negate(e10), TOps.Negate(e11));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientRow<TVec, TOps>(ref float e, int first, nint stride, TVec q0, TVec q1)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        TOps.StoreUnsafe(q0, ref Unsafe.Add(ref e, first * stride), 0);
        TOps.StoreUnsafe(TOps.Add(q0, q1), ref Unsafe.Add(ref e, (first + 1) * stride), 0);
        TOps.StoreUnsafe(TOps.Subtract(q0, q1), ref Unsafe.Add(ref e, (first + 2) * stride), 0);
        TOps.StoreUnsafe(TOps.Negate(q1), ref Unsafe.Add(ref e, (first + 3) * stride), 0);
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
    /// <see cref="OutputTile"/> for L consecutive tiles (lane k of each of m's 16 position vectors), plus the bias,
    /// stored as 2L consecutive outputs of row 0 at <paramref name="y"/> and of row 1, <paramref name="rowStride"/> on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTiles<TVec, TOps>(ref readonly float m, nint stride, float bias, ref float y, int rowStride)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        ref float m0 = ref Unsafe.AsRef(in m);
        TVec s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        for (int b = 0; b < 4; b++)
        {
            // Column b of the 4×4 tiles: s₀ = M₀ + M₁ + M₂ and s₁ = M₁ − M₂ − M₃ down the rows.
            TVec r0 = TOps.Load(in Unsafe.Add(ref m0, b * stride), 0);
            TVec r1 = TOps.Load(in Unsafe.Add(ref m0, (4 + b) * stride), 0);
            TVec r2 = TOps.Load(in Unsafe.Add(ref m0, (8 + b) * stride), 0);
            TVec r3 = TOps.Load(in Unsafe.Add(ref m0, (12 + b) * stride), 0);
            TVec top = TOps.Add(TOps.Add(r0, r1), r2), bottom = TOps.Subtract(TOps.Subtract(r1, r2), r3);
            switch (b)
            {
                case 0: (s00, s10) = (top, bottom); break;
                case 1: (s01, s11) = (top, bottom); break;
                case 2: (s02, s12) = (top, bottom); break;
                default: (s03, s13) = (top, bottom); break;
            }
        }

        // Y = s A (the scalar OutputTile's sums, in its order), plus the bias, the two columns interleaved.
        TVec bv = TOps.Create(bias);
        StoreInterleaved<TVec, TOps>(TOps.Add(TOps.Add(TOps.Add(s00, s01), s02), bv), TOps.Add(TOps.Subtract(TOps.Subtract(s01, s02), s03), bv), ref y);
        StoreInterleaved<TVec, TOps>(TOps.Add(TOps.Add(TOps.Add(s10, s11), s12), bv), TOps.Add(TOps.Subtract(TOps.Subtract(s11, s12), s13), bv), ref Unsafe.Add(ref y, rowStride));
    }

    /// <summary>y[0 … 2L − 1] = a₀ b₀ a₁ b₁ … a_{L−1} b_{L−1}.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInterleaved<TVec, TOps>(TVec a, TVec b, ref float y)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        (TVec low, TVec high) = TOps.Zip(a, b);
        TOps.StoreUnsafe(low, ref y, 0);
        TOps.StoreUnsafe(high, ref y, (nuint)TOps.Count);
    }
}
