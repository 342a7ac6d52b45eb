using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

/// <summary>The input transform V = Bᵀ d B of Winograd's F(2×2, 3×3) (see <see cref="WinogradF2x3"/>'s header).</summary>
public static partial class WinogradF2x3
{
    /// <summary>
    /// V[ξ, c, t] = (Bᵀ d B)[ξ] for the channels c in [firstChannel, lastChannel) of one image x (C, H, W), every tile t
    /// of an OH × OW output with padding p (d the tile's 4×4 input, zero outside x), into v (16, C, T), positions
    /// <see cref="PositionStride"/>(C, T) apart.
    /// </summary>
    /// <remarks>
    /// With vectors of L floats (8 at 256 bits and above, 4 at 128), L tiles of a tile row at a time: loads at columns
    /// 2tx and 2tx + 2, split into even and odd columns, give each tile's four columns as four vectors across the L
    /// tiles, and the transform becomes additions of whole vectors, stored contiguously along t. A row of tiles that
    /// does not divide into L ends with a step that overlaps the one before (recomputing the same values); tiles that
    /// reach into the padding take the scalar path.
    /// </remarks>
    public static void TransformInput(ReadOnlySpan<float> x, int channels, int height, int width, int padding, int outputHeight, int outputWidth, Span<float> v, int firstChannel, int lastChannel)
        => TransformInput(Simd.Width, x, channels, height, width, padding, outputHeight, outputWidth, v, firstChannel, lastChannel);

    /// <summary>As <see cref="TransformInput(ReadOnlySpan{float}, int, int, int, int, int, int, Span{float}, int, int)"/>
    /// with a chosen vector width (<see cref="SimdWidth.Scalar"/>: every tile takes the scalar path, the reference the
    /// vector paths are held to bit for bit).</summary>
    public static void TransformInput(SimdWidth simd, ReadOnlySpan<float> x, int channels, int height, int width, int padding, int outputHeight, int outputWidth, Span<float> v, int firstChannel, int lastChannel)
    {
        if (simd >= SimdWidth.V256 && Vector256.IsHardwareAccelerated)
        {
            TransformInput<Vector256<float>, Vector256Ops>(x, channels, height, width, padding, outputHeight, outputWidth, v, firstChannel, lastChannel, vectors: true);
        }
        else
        {
            bool vectors = simd >= SimdWidth.V128 && Vector128.IsHardwareAccelerated;
            TransformInput<Vector128<float>, Vector128Ops>(x, channels, height, width, padding, outputHeight, outputWidth, v, firstChannel, lastChannel, vectors);
        }
    }

    /// <summary>The input transform with <typeparamref name="TVec"/> vectors where <paramref name="vectors"/>, else
    /// scalar.</summary>
    private static void TransformInput<TVec, TOps>(ReadOnlySpan<float> x, int channels, int height, int width, int padding, int outputHeight, int outputWidth, Span<float> v, int firstChannel, int lastChannel, bool vectors)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        int lanes = TOps.Count;
        int tilesY = (outputHeight + 1) / 2, tilesX = (outputWidth + 1) / 2, tiles = tilesY * tilesX;
        CheckLength(nameof(x), x.Length, channels * height * width);
        nint stride = PositionStride(channels, tiles);      // from one position ξ to the next in v
        CheckLength(nameof(v), v.Length, Positions * stride);
        vectors &= tilesX >= lanes;
        Span<float> d = stackalloc float[16];

        // Refs below reach v[c·T + t + ξ·stride] for t < T, ξ < 16: in bounds as C·T ≤ stride (PositionStride).
        Debug.Assert(firstChannel >= 0 && lastChannel <= channels && channels * tiles <= stride);
        for (int c = firstChannel; c < lastChannel; c++)
        {
            ref readonly float plane = ref x[c * height * width];
            ref float vc = ref v[c * tiles];
            for (int ty = 0; ty < tilesY; ty++)
            {
                int top = 2 * ty - padding;
                bool rowsInside = top >= 0 && top + 4 <= height;
                int tx = 0;
                // Tiles [first, last) lie inside the plane's columns; L from tx read columns 2tx − p … 2tx − p + 2L + 1.
                int first = (padding + 1) / 2, last = width + padding >= 2 * lanes + 2 ? Math.Min(tilesX, (width + padding - 2 * lanes - 2) / 2 + lanes) : 0;
                if (vectors && rowsInside && last - first >= lanes)
                {
                    for (; tx < first; tx++)
                    {
                        EdgeTile(in plane, height, width, top, 2 * tx - padding, d, ref Unsafe.Add(ref vc, ty * tilesX + tx), stride);
                    }

                    for (int at = first; at < last; at += lanes)
                    {
                        int step = Math.Min(at, last - lanes);
                        Debug.Assert(top >= 0 && top + 4 <= height && 2 * step - padding >= 0 && 2 * step - padding + 2 * lanes + 2 <= width && step + lanes <= tilesX);
                        TransformTiles<TVec, TOps>(in Unsafe.Add(ref Unsafe.AsRef(in plane), top * width + 2 * step - padding), width, ref Unsafe.Add(ref vc, ty * tilesX + step), stride);
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

    /// <summary>
    /// <see cref="TransformTile"/> for the L tiles whose first input column is at <paramref name="d"/> (tile k starts
    /// 2k columns on): lane k of every vector is tile k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformTiles<TVec, TOps>(ref readonly float d, int rowStride, ref float v, nint stride)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        // Columns j = 0 … 3 of each tile row, as vectors over the L tiles.
        (TVec a0, TVec a1, TVec a2, TVec a3) = Columns<TVec, TOps>(in d);
        (TVec b0, TVec b1, TVec b2, TVec b3) = Columns<TVec, TOps>(in Unsafe.Add(ref Unsafe.AsRef(in d), rowStride));
        (TVec c0, TVec c1, TVec c2, TVec c3) = Columns<TVec, TOps>(in Unsafe.Add(ref Unsafe.AsRef(in d), 2 * rowStride));
        (TVec e0, TVec e1, TVec e2, TVec e3) = Columns<TVec, TOps>(in Unsafe.Add(ref Unsafe.AsRef(in d), 3 * rowStride));

        // t = Bᵀ d (rows d₀ − d₂, d₁ + d₂, d₂ − d₁, d₁ − d₃), then V = t B, as in TransformTile.
        StoreRow<TVec, TOps>(ref v, 0, stride, TOps.Subtract(a0, c0), TOps.Subtract(a1, c1), TOps.Subtract(a2, c2), TOps.Subtract(a3, c3));
        StoreRow<TVec, TOps>(ref v, 4, stride, TOps.Add(b0, c0), TOps.Add(b1, c1), TOps.Add(b2, c2), TOps.Add(b3, c3));
        StoreRow<TVec, TOps>(ref v, 8, stride, TOps.Subtract(c0, b0), TOps.Subtract(c1, b1), TOps.Subtract(c2, b2), TOps.Subtract(c3, b3));
        StoreRow<TVec, TOps>(ref v, 12, stride, TOps.Subtract(b0, e0), TOps.Subtract(b1, e1), TOps.Subtract(b2, e2), TOps.Subtract(b3, e3));
    }

    /// <summary>Columns 2k, 2k + 1, 2k + 2, 2k + 3 of the row at r for k &lt; L: even and odd elements of two pairs of loads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec C0, TVec C1, TVec C2, TVec C3) Columns<TVec, TOps>(ref readonly float r)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        nuint lanes = (nuint)TOps.Count;
        (TVec c0, TVec c1) = TOps.Unzip(TOps.Load(in r, 0), TOps.Load(in r, lanes));
        (TVec c2, TVec c3) = TOps.Unzip(TOps.Load(in r, 2), TOps.Load(in r, lanes + 2));
        return (c0, c1, c2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVec, TOps>(ref float v, int first, nint stride, TVec e0, TVec e1, TVec e2, TVec e3)
        where TVec : struct
        where TOps : IVectorOps<TVec>
    {
        TOps.StoreUnsafe(TOps.Subtract(e0, e2), ref Unsafe.Add(ref v, first * stride), 0);
        TOps.StoreUnsafe(TOps.Add(e1, e2), ref Unsafe.Add(ref v, (first + 1) * stride), 0);
        TOps.StoreUnsafe(TOps.Subtract(e2, e1), ref Unsafe.Add(ref v, (first + 2) * stride), 0);
        TOps.StoreUnsafe(TOps.Subtract(e1, e3), ref Unsafe.Add(ref v, (first + 3) * stride), 0);
    }
}
