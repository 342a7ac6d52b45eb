using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers.Convolution;

/// <summary>
/// 3×3 kernels at stride 1 with padding ≤ 2 through Winograd's F(2×2, 3×3), and its transpose F(3×3, 2×2) for the
/// weight gradient (<see cref="WinogradF2x3"/>): 2.25× fewer multiplications than im2col + GEMM, and no cols matrix.
/// One image at a time; its 16 small GEMMs (K = C or O) run on the threads.
/// </summary>
/// <remarks>
/// Winograd computes the four outputs of a tile by four different formulas, which round differently from the direct
/// sum (see <see cref="Conv2d.AlgorithmFor"/> for where that matters). The padding limit comes from the input
/// gradient, which convolves dy padded by 2 − p.
/// </remarks>
internal sealed class Conv2dWinograd : IConv2dAlgorithm
{
    private float[] transformedWeights = [];            // U (16, O, C) = G w Gᵀ; or (16, C, O) from the flipped kernel (input gradient)
    private float[] transformedTiles = [];              // V (16, C, T) = Bᵀ x B of one image; or (16, O, T) of its padded dy
    private float[] tileProducts = [];                  // M (16, channels out, T): the 16 products U[ξ] · V[ξ]
    private float[] transformedOutputGradient = [];     // E (16, O, T) = A dy Aᵀ of one image
    private float[] weightGradientProducts = [];        // S (16, O, C): Σ over the batch of E[ξ] · V[ξ]ᵀ
    private float[] paddedGradient = [];                // one image's dy with a zero border of 2 − p
    private (int Height, int Width) paddedFor;          // the padded plane size the border was cleared for

    /// <summary>True for 3×3 kernels at stride 1 with padding ≤ 2.</summary>
    public static bool Supports(in Conv2dShape shape)
        => shape.KernelHeight == 3 && shape.KernelWidth == 3 && shape.Stride == 1 && shape.Padding <= 2;

    /// <summary>
    /// U = G w Gᵀ once per call; per image V = Bᵀ x B (tile by tile), M[ξ] = U[ξ] · V[ξ] for the 16 positions ξ,
    /// y = Aᵀ M A + b (<see cref="WinogradF2x3.Convolve"/>).
    /// </summary>
    public void Forward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, Memory<float> y, Conv2dShape shape, int threads)
    {
        (int c, int o, int image, int plane) = (shape.Channels, shape.OutChannels, shape.InputImage, shape.OutputImage);
        int tiles = WinogradF2x3.Tiles(shape.OutputHeight, shape.OutputWidth);
        Conv2dScratch.Grow(ref transformedWeights, WinogradF2x3.BufferLength(o, c));
        Conv2dScratch.Grow(ref transformedTiles, WinogradF2x3.BufferLength(c, tiles));
        Conv2dScratch.Grow(ref tileProducts, WinogradF2x3.BufferLength(o, tiles));
        WinogradF2x3.TransformWeights(weight.Span, o, c, flipTranspose: false, transformedWeights);
        for (int img = 0; img < shape.Images; img++)
        {
            WinogradF2x3.Convolve(x.Span.Slice(img * image, image), c, shape.Height, shape.Width, shape.Padding, transformedWeights, bias.Span, o,
                y.Span.Slice(img * plane, plane), transformedTiles, tileProducts, threads);
        }
    }

    /// <summary>
    /// db[o] += Σ dy[:, o]; dW through F(3×3, 2×2) (<see cref="AddWeightGradient"/>); dx through F(2×2, 3×3) on dy padded
    /// by 2 − p with the flipped kernel (<see cref="InputGradient"/>). No cols matrix is built.
    /// </summary>
    public void Backward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> dy,
        Memory<float> weightGradient, Memory<float> biasGradient, Memory<float> inputGradient, Conv2dShape shape, int threads)
    {
        if (!weightGradient.IsEmpty)
        {
            Conv2dBias.AddGradient(dy.Span, biasGradient.Span, shape);
            AddWeightGradient(x.Span, dy.Span, weightGradient.Span, shape, threads);
        }

        if (!inputGradient.IsEmpty)
        {
            InputGradient(weight.Span, dy.Span, inputGradient.Span, shape, threads);
        }
    }

    /// <summary>
    /// dW[o, c] += Gᵀ [ Σ_images Σ_t (A e_t Aᵀ) ⊙ (Bᵀ d_t B) ] G: per image S[ξ] += E[ξ] · V[ξ]ᵀ
    /// (<see cref="WinogradF2x3.AddWeightProducts"/>); one output transform at the end.
    /// </summary>
    private void AddWeightGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in Conv2dShape shape, int threads)
    {
        if (shape.Images == 0)
        {
            return;     // no images: S would keep the previous call's sums
        }

        (int c, int o, int image, int plane) = (shape.Channels, shape.OutChannels, shape.InputImage, shape.OutputImage);
        int tiles = WinogradF2x3.Tiles(shape.OutputHeight, shape.OutputWidth);
        Conv2dScratch.Grow(ref transformedTiles, WinogradF2x3.BufferLength(c, tiles));
        Conv2dScratch.Grow(ref transformedOutputGradient, WinogradF2x3.BufferLength(o, tiles));
        Conv2dScratch.Grow(ref weightGradientProducts, WinogradF2x3.BufferLength(o, c));
        for (int img = 0; img < shape.Images; img++)
        {
            WinogradF2x3.AddWeightProducts(x.Slice(img * image, image), c, shape.Height, shape.Width, shape.Padding, dy.Slice(img * plane, plane), o,
                transformedTiles, transformedOutputGradient, weightGradientProducts, accumulate: img > 0, threads);
        }

        WinogradF2x3.AccumulateWeightGradient(weightGradientProducts, o, c, dw);
    }

    /// <summary>
    /// dx[c] = Σ_o dy[o] ⋆ flip(w[o, c]) over dy padded by 2 − p, the forward's kernel flipped and its channel roles
    /// swapped (U from <see cref="WinogradF2x3.TransformWeights"/> with flipTranspose). Each image's dy is copied into
    /// a buffer whose zero border stays in place between images, so every tile is an interior one.
    /// </summary>
    private void InputGradient(ReadOnlySpan<float> weight, ReadOnlySpan<float> dy, Span<float> dx, in Conv2dShape shape, int threads)
    {
        (int c, int o, int oh, int ow, int border) = (shape.Channels, shape.OutChannels, shape.OutputHeight, shape.OutputWidth, 2 - shape.Padding);
        (int ph, int pw, int image) = (oh + 2 * border, ow + 2 * border, shape.InputImage);
        int tiles = WinogradF2x3.Tiles(shape.Height, shape.Width);
        Conv2dScratch.Grow(ref transformedWeights, WinogradF2x3.BufferLength(c, o));
        Conv2dScratch.Grow(ref transformedTiles, WinogradF2x3.BufferLength(o, tiles));
        Conv2dScratch.Grow(ref tileProducts, WinogradF2x3.BufferLength(c, tiles));
        if (paddedFor != (ph, pw) || paddedGradient.Length != o * ph * pw)
        {
            paddedGradient = new float[o * ph * pw];
            paddedFor = (ph, pw);
        }

        WinogradF2x3.TransformWeights(weight, c, o, flipTranspose: true, transformedWeights);
        for (int img = 0; img < shape.Images; img++)
        {
            ReadOnlySpan<float> planes = dy.Slice(img * o * oh * ow, o * oh * ow);
            for (int ch = 0; ch < o; ch++)
            {
                for (int r = 0; r < oh; r++)
                {
                    planes.Slice((ch * oh + r) * ow, ow).CopyTo(paddedGradient.AsSpan((ch * ph + border + r) * pw + border, ow));
                }
            }

            WinogradF2x3.Convolve(paddedGradient, o, ph, pw, 0, transformedWeights, [], c, dx.Slice(img * image, image), transformedTiles, tileProducts, threads);
        }
    }
}
