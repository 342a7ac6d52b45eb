namespace MiniNetFgsm.Kernels;

/// <summary>Matrix transpose: <c>dst[j, i] = src[i, j]</c> for a row-major (rows, cols) source.</summary>
public static class Transpose
{
    /// <summary>Tile edge: a 16×16 float tile of source and destination (2 × 1 KiB) stays in L1 while it is swapped.</summary>
    private const int Tile = 16;

    /// <summary>Writes the (cols, rows) transpose of <paramref name="src"/> (rows, cols) into <paramref name="dst"/>, tile by tile.</summary>
    public static void Matrix(ReadOnlySpan<float> src, int rows, int cols, Span<float> dst)
    {
        for (int i0 = 0; i0 < rows; i0 += Tile)
        {
            int i1 = Math.Min(rows, i0 + Tile);
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                int j1 = Math.Min(cols, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++)
                    {
                        dst[j * rows + i] = src[i * cols + j];
                    }
                }
            }
        }
    }
}
