using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
                        Debug.Assert(top >= 0 && top + 4 <= height && 2 * step - padding >= 0 && 2 * step - padding + 18 <= width && step + 8 <= tilesX);
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
}
