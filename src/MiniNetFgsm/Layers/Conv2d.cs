using System.Numerics.Tensors;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers;

/// <summary>
/// 2-D convolution (strictly, cross-correlation, as in PyTorch's <c>nn.Conv2d</c>):
/// <code>y[n,o,oy,ox] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, oy·s+i−p, ox·s+j−p]</code>
/// with zero padding p and stride s. Weight is (O, C, KH, KW), PyTorch's layout; bias is (O).
/// </summary>
/// <remarks>
/// Shapes: x is (N,C,H,W), y is (N,O,OH,OW); let P = OH·OW. Computed as matrix products over chunks of B images:
/// cols (C·KH·KW, B·P) = im2col(x chunk); out (O, B·P) = W · cols; y[n,o,:] = out[o, n·P : (n+1)·P] + b[o].
/// At stride 1 without padding, small windows (the first layer of both MNIST models: one channel, 3×3 or 5×5) skip
/// im2col and run as direct convolutions (<see cref="DirectConv2d"/>), vectorised along output rows, and so does the
/// forward pass of layers with narrow outputs (lenet's conv2, 8 wide); where each path runs is what measured faster.
/// 3×3 kernels at stride 1 with padding ≤ 2 that the direct path does not take use Winograd's minimal filtering instead
/// for the backward pass, the training forward pass and <see cref="Infer"/> (see <see cref="UsesWinograd"/>).
/// A chunk's cols are sized to stay in L2 (about 512 KiB, at least one image) instead of unrolling the whole batch:
/// the GEMM then reads what im2col just wrote from cache, and memory stays small. When a chunk is one image (mnist-cnn's
/// conv2), out is that image's (O, P) block of y itself, so the GEMM writes y directly and reads dy directly. The
/// backward pass unrolls each chunk again rather than keeping every chunk's cols from the forward pass (one extra
/// im2col, far cheaper than the GEMMs).
/// </remarks>
public sealed class Conv2d : Layer
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private Tensor? input;
    /// <summary>Target size of one chunk's cols, in floats (512 KiB: a quarter of the 1–2 MiB L2 of current cores).</summary>
    private const int ChunkFloats = 128 * 1024;

    private float[] cols = [];      // (C·KH·KW, B·P) for the current chunk of B images
    private float[] rows = [];      // (O, B·P): the chunk's output, or its gradient, channel-major
    private float[] dcols = [];     // (C·KH·KW, B·P)
    private float[] winogradU = [];         // (16, O, C): transformed weights (forward), or (16, C, O) flipped (input gradient)
    private float[] winogradV = [];         // (16, C, tiles of OH×OW): one image's transformed x; or (16, O, tiles of H×W): its padded dy
    private float[] winogradM = [];         // (16, channels out, tiles): the 16 products
    private float[] winogradE = [];         // (16, O, tiles): one image's transformed output gradient
    private float[] winogradS = [];         // (16, O, C): the weight gradient's 16 products, summed over the batch
    private float[] paddedGradient = [];    // one image's dy with a zero border of 2 − p, for the Winograd input gradient
    private (int Height, int Width) paddedFor;     // the padded plane size the border was cleared for
    private int chunkStart;         // first image of the current chunk
    private int chunkCount;         // images in the current chunk
    private Tensor? output;
    private Tensor? outputGradient;
    private Tensor? inputGradient;

    /// <summary>Creates a convolution with a square kernel.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true)
        : this(inChannels, outChannels, kernelSize, kernelSize, stride, padding, bias)
    {
    }

    /// <summary>Creates a convolution with a KH×KW kernel.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelHeight, int kernelWidth, int stride, int padding, bool bias)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
        weight = new Parameter("weight", outChannels, inChannels, kernelHeight, kernelWidth);
        this.bias = bias ? new Parameter("bias", outChannels) : null;
    }

    /// <summary>Input channels C.</summary>
    public int InChannels { get; }

    /// <summary>Output channels O.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height KH.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width KW.</summary>
    public int KernelWidth { get; }

    /// <summary>Stride s (both axes).</summary>
    public int Stride { get; }

    /// <summary>Zero padding p (both axes).</summary>
    public int Padding { get; }

    /// <summary>Weight (O, C, KH, KW).</summary>
    public Parameter Weight => weight;

    /// <summary>Bias (O), or null.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => bias is null ? [weight] : [weight, bias];

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape[1] != InChannels)
        {
            throw new ArgumentException($"Conv2d expects (N, {InChannels}, H, W) but got [{string.Join(", ", inputShape)}].");
        }

        int oh = Im2Col.OutputSize(inputShape[2], KernelHeight, Stride, Padding);
        int ow = Im2Col.OutputSize(inputShape[3], KernelWidth, Stride, Padding);
        if (oh < 1 || ow < 1)
        {
            throw new ArgumentException($"Input [{string.Join(", ", inputShape)}] is smaller than the {KernelHeight}x{KernelWidth} kernel.");
        }

        return [inputShape[0], OutChannels, oh, ow];
    }

    /// <summary>
    /// Forward, per chunk of images: cols = im2col(x); out = W · cols; y[n,o,:] = out[o, n·P : (n+1)·P] + b[o]. In
    /// training, 3×3 kernels at stride 1 run Winograd instead (see <see cref="UsesWinograd"/>).
    /// </summary>
    public override Tensor Forward(Tensor x, bool training) => RunForward(x, winograd: training && UsesWinograd);

    /// <summary>The evaluation forward pass for outputs only: 3×3 kernels at stride 1 run Winograd (see <see cref="UsesWinograd"/>).</summary>
    public override Tensor Infer(Tensor x) => RunForward(x, winograd: UsesWinograd);

    /// <summary>The forward pass, through Winograd or the exact path.</summary>
    private Tensor RunForward(Tensor x, bool winograd)
    {
        if (output is null || input is null || !input.HasShape(x.Shape))
        {
            output = Tensor.Reuse(output, OutputShape(x.Shape));
        }

        input = x;
        if (DirectConv2d.SupportsForward(InChannels, KernelHeight, KernelWidth, Stride, Padding, OutputWidth(x)))
        {
            Parallelism.ForRanges(x[0] * OutChannels, Threads, this, static (self, first, last) =>
                DirectConv2d.Forward(self.input!.Span, self.weight.Value.Span, self.bias is null ? [] : self.bias.Value.Span, self.output!.Span, self.Shape(self.input), first, last));
            return output;
        }

        if (winograd)
        {
            ForwardWinograd(x);
            return output;
        }

        (int n, int o, int pixels, int window) = (x[0], OutChannels, output[2] * output[3], InChannels * KernelHeight * KernelWidth);
        int chunk = ChunkImages(n, pixels, window);
        Grow(ref cols, window * chunk * pixels);
        Grow(ref rows, chunk == 1 ? 0 : o * chunk * pixels);      // one-image chunks use y itself
        for (chunkStart = 0; chunkStart < n; chunkStart += chunk)
        {
            chunkCount = Math.Min(chunk, n - chunkStart);
            int columns = chunkCount * pixels;

            // Static lambdas with the layer as state: no closure is allocated per call.
            Parallelism.ForRanges(window, Threads, this, static (self, first, last) => self.UnfoldRows(first, last));
            if (chunk == 1)
            {
                // One image: its (O, P) output block is the GEMM's result as it stands, so it goes straight into y.
                Span<float> y = output.Data.AsSpan(chunkStart * o * pixels, o * pixels);
                Gemm.Multiply(false, false, o, columns, window, weight.Value.Data, window, cols, columns, y, columns, threads: Threads);
                AddBias(y, pixels);
            }
            else
            {
                Gemm.Multiply(false, false, o, columns, window, weight.Value.Data, window, cols, columns, rows, columns, threads: Threads);
                Parallelism.ForRanges(chunkCount * o, Threads, this, static (self, first, last) => self.RowsToOutput(first, last));
            }
        }

        return output;
    }

    /// <summary>
    /// Backward of out = W · cols (+ b), per chunk, with dout the (O, B·P) view of the chunk's dy:
    /// dW += dout · colsᵀ, db[o] += Σ dy[:,o,:,:], dcols = Wᵀ · dout, dx = col2im(dcols). Layers the direct path takes
    /// run <see cref="BackwardDirect"/> instead, and 3×3 kernels at stride 1 <see cref="BackwardWinograd"/>.
    /// </summary>
    public override Tensor? Backward(Tensor dy, bool needInputGradient = true, bool needParameterGradients = true)
    {
        Tensor x = Cached(input, nameof(Conv2d));
        if (DirectConv2d.SupportsBackward(InChannels, KernelHeight, KernelWidth, Stride, Padding, OutputWidth(x)))
        {
            return BackwardDirect(x, dy, needInputGradient, needParameterGradients);
        }

        if (UsesWinograd)
        {
            return BackwardWinograd(x, dy, needInputGradient, needParameterGradients);
        }

        (int n, int o, int pixels, int window) = (x[0], OutChannels, dy[2] * dy[3], InChannels * KernelHeight * KernelWidth);
        int chunk = ChunkImages(n, pixels, window);
        outputGradient = dy;
        Grow(ref cols, window * chunk * pixels);      // a direct forward pass (narrow rows) left these unsized
        Grow(ref rows, chunk == 1 ? 0 : o * chunk * pixels);      // one-image chunks use dy itself
        if (needInputGradient)
        {
            Grow(ref dcols, window * chunk * pixels);
            inputGradient = Tensor.Reuse(inputGradient, x.Shape);
        }

        for (chunkStart = 0; chunkStart < n; chunkStart += chunk)
        {
            chunkCount = Math.Min(chunk, n - chunkStart);
            int columns = chunkCount * pixels;
            ReadOnlySpan<float> dout;
            if (chunk == 1)
            {
                // One image: its (O, P) block of dy already is dout.
                dout = dy.Data.AsSpan(chunkStart * o * pixels, o * pixels);
            }
            else
            {
                Parallelism.ForRanges(chunkCount * o, Threads, this, static (self, first, last) => self.OutputGradientToRows(first, last));
                dout = rows.AsSpan(0, o * columns);
            }

            if (needParameterGradients)
            {
                if (bias is not null)
                {
                    Span<float> db = bias.Gradient.Span;
                    for (int ch = 0; ch < o; ch++)
                    {
                        db[ch] += TensorPrimitives.Sum(dout.Slice(ch * columns, columns));
                    }
                }

                Parallelism.ForRanges(window, Threads, this, static (self, first, last) => self.UnfoldRows(first, last));
                Gemm.Multiply(false, true, o, window, columns, dout, columns, cols, columns, weight.Gradient.Data, window, accumulate: true, threads: Threads);
            }

            if (needInputGradient)
            {
                Gemm.Multiply(true, false, window, columns, o, weight.Value.Data, window, dout, columns, dcols, columns, threads: Threads);
                Parallelism.ForRanges(chunkCount * InChannels, Threads, this, static (self, first, last) => self.FoldPlanes(first, last));
            }
        }

        return needInputGradient ? inputGradient : null;
    }

    /// <summary>
    /// 3×3 kernels at stride 1 with padding ≤ 2 (mnist-cnn's conv2), when the direct path does not take them, run the
    /// whole backward pass, and the forward pass in training and in <see cref="Infer"/>, through Winograd's F(2×2, 3×3)
    /// and its transpose F(3×3, 2×2) for the weight gradient (<see cref="WinogradF2x3"/>):
    /// 2.25× fewer multiplications than im2col + GEMM, and no cols matrix. Measured on mnist-cnn conv2 (32 images, one
    /// thread, a Zen 3, in one process against unfold + GEMM): forward 0.66–0.77× the time, backward 0.89×; its 16 small
    /// GEMMs per image (K = 32 to 64) run at half to two thirds of the peak.
    /// <para>The evaluation forward pass (<see cref="Forward(Tensor, bool)"/> with training false, which the attacks
    /// differentiate and predict with) stays unfold + GEMM, which sums every output in the same order: equal inputs give
    /// equal outputs, so a max-pool after it breaks ties where PyTorch does. Winograd computes the four outputs of a tile
    /// by four different formulas, which round differently; on MNIST's flat backgrounds that moved a few dozen
    /// input-gradient elements (of 12,544) away from PyTorch's, and FGSM pixels with them. Training only needs the
    /// gradient's value, and <see cref="Infer"/> (accuracy) only the outputs, which Winograd gives to rounding.</para>
    /// </summary>
    private bool UsesWinograd => KernelHeight == 3 && KernelWidth == 3 && Stride == 1 && Padding <= 2;

    /// <summary>
    /// Forward with Winograd, one image at a time: U = G w Gᵀ once per call; per image V = Bᵀ x B (tile by tile),
    /// M[ξ] = U[ξ] · V[ξ] for the 16 positions ξ, y = Aᵀ M A + b (<see cref="WinogradF2x3.Convolve"/>).
    /// </summary>
    private void ForwardWinograd(Tensor x)
    {
        (int c, int o, int image, int plane) = (InChannels, OutChannels, x[1] * x[2] * x[3], output![1] * output[2] * output[3]);
        int tiles = WinogradF2x3.Tiles(output[2], output[3]);
        Grow(ref winogradU, WinogradF2x3.BufferLength(o, c));
        Grow(ref winogradV, WinogradF2x3.BufferLength(c, tiles));
        Grow(ref winogradM, WinogradF2x3.BufferLength(o, tiles));
        WinogradF2x3.TransformWeights(weight.Value.Span, o, c, flipTranspose: false, winogradU);
        for (int img = 0; img < x[0]; img++)
        {
            WinogradF2x3.Convolve(x.Span.Slice(img * image, image), c, x[2], x[3], Padding, winogradU, bias is null ? [] : bias.Value.Span, o,
                output.Span.Slice(img * plane, plane), winogradV, winogradM, Threads);
        }
    }

    /// <summary>
    /// The Winograd backward: db[o] += Σ dy[:, o]; dW through F(3×3, 2×2) (<see cref="WeightGradientWinograd"/>);
    /// dx through F(2×2, 3×3) on dy padded by 2 − p with the flipped kernel (<see cref="InputGradientWinograd"/>).
    /// No cols matrix is built.
    /// </summary>
    private Tensor? BackwardWinograd(Tensor x, Tensor dy, bool needInputGradient, bool needParameterGradients)
    {
        if (needParameterGradients)
        {
            AddBiasGradient(dy);
            WeightGradientWinograd(x, dy);
        }

        if (!needInputGradient)
        {
            return null;
        }

        inputGradient = Tensor.Reuse(inputGradient, x.Shape);
        InputGradientWinograd(x, dy);
        return inputGradient;
    }

    /// <summary>
    /// dW[o, c] += Gᵀ [ Σ_images Σ_t (A e_t Aᵀ) ⊙ (Bᵀ d_t B) ] G: per image S[ξ] += E[ξ] · V[ξ]ᵀ
    /// (<see cref="WinogradF2x3.AddWeightProducts"/>); one output transform at the end.
    /// </summary>
    private void WeightGradientWinograd(Tensor x, Tensor dy)
    {
        if (x[0] == 0)
        {
            return;     // no images: S would keep the previous call's sums
        }

        (int c, int o, int image, int plane) = (InChannels, OutChannels, x[1] * x[2] * x[3], dy[1] * dy[2] * dy[3]);
        int tiles = WinogradF2x3.Tiles(dy[2], dy[3]);
        Grow(ref winogradV, WinogradF2x3.BufferLength(c, tiles));
        Grow(ref winogradE, WinogradF2x3.BufferLength(o, tiles));
        Grow(ref winogradS, WinogradF2x3.BufferLength(o, c));
        for (int img = 0; img < x[0]; img++)
        {
            WinogradF2x3.AddWeightProducts(x.Span.Slice(img * image, image), c, x[2], x[3], Padding, dy.Span.Slice(img * plane, plane), o,
                winogradV, winogradE, winogradS, accumulate: img > 0, Threads);
        }

        WinogradF2x3.AccumulateWeightGradient(winogradS, o, c, weight.Gradient.Span);
    }

    /// <summary>
    /// dx with Winograd: dx[c] = Σ_o dy[o] ⋆ flip(w[o, c]) over dy padded by 2 − p, the forward's kernel flipped and
    /// its channel roles swapped (U from <see cref="WinogradF2x3.TransformWeights"/> with flipTranspose). Each image's
    /// dy is copied into a buffer whose zero border stays in place between images, so every tile is an interior one.
    /// </summary>
    private void InputGradientWinograd(Tensor x, Tensor dy)
    {
        (int c, int o, int oh, int ow, int border) = (InChannels, OutChannels, dy[2], dy[3], 2 - Padding);
        (int ph, int pw, int image) = (oh + 2 * border, ow + 2 * border, x[1] * x[2] * x[3]);
        int tiles = WinogradF2x3.Tiles(x[2], x[3]);
        Grow(ref winogradU, WinogradF2x3.BufferLength(c, o));
        Grow(ref winogradV, WinogradF2x3.BufferLength(o, tiles));
        Grow(ref winogradM, WinogradF2x3.BufferLength(c, tiles));
        if (paddedFor != (ph, pw) || paddedGradient.Length != o * ph * pw)
        {
            paddedGradient = new float[o * ph * pw];
            paddedFor = (ph, pw);
        }

        WinogradF2x3.TransformWeights(weight.Value.Span, c, o, flipTranspose: true, winogradU);
        for (int img = 0; img < x[0]; img++)
        {
            Span<float> planes = dy.Span.Slice(img * o * oh * ow, o * oh * ow);
            for (int ch = 0; ch < o; ch++)
            {
                for (int r = 0; r < oh; r++)
                {
                    planes.Slice((ch * oh + r) * ow, ow).CopyTo(paddedGradient.AsSpan((ch * ph + border + r) * pw + border, ow));
                }
            }

            WinogradF2x3.Convolve(paddedGradient, o, ph, pw, 0, winogradU, [], c, inputGradient!.Span.Slice(img * image, image), winogradV, winogradM, Threads);
        }
    }

    /// <summary>db[o] += Σ dy[:, o, :, :].</summary>
    private void AddBiasGradient(Tensor dy)
    {
        if (bias is null)
        {
            return;
        }

        int planeOut = dy[2] * dy[3];
        Span<float> db = bias.Gradient.Span;
        for (int img = 0; img < dy[0]; img++)
        {
            for (int ch = 0; ch < OutChannels; ch++)
            {
                db[ch] += TensorPrimitives.Sum(dy.Span.Slice((img * OutChannels + ch) * planeOut, planeOut));
            }
        }
    }

    /// <summary>
    /// The direct path's backward (see <see cref="DirectConv2d"/>): db[o] += Σ dy[:,o,:,:]; dW += the correlation of dy
    /// with x; dx = the correlation of zero-padded dy with the flipped kernel (a gather through the forward kernel).
    /// </summary>
    private Tensor? BackwardDirect(Tensor x, Tensor dy, bool needInputGradient, bool needParameterGradients)
    {
        outputGradient = dy;
        if (needParameterGradients)
        {
            AddBiasGradient(dy);
            Parallelism.ForRanges(OutChannels, Threads, this, static (self, first, last) =>
                DirectConv2d.BackwardWeights(self.input!.Span, self.outputGradient!.Span, self.weight.Gradient.Span, self.Shape(self.input), first, last));
        }

        if (!needInputGradient)
        {
            return null;
        }

        inputGradient = Tensor.Reuse(inputGradient, x.Shape);
        Parallelism.ForRanges(x[0] * InChannels, Threads, this, static (self, first, last) =>
            DirectConv2d.BackwardInput(self.weight.Value.Span, self.outputGradient!.Span, self.inputGradient!.Span, self.Shape(self.input!), first, last));
        return inputGradient;
    }

    private int OutputWidth(Tensor x) => Im2Col.OutputSize(x[3], KernelWidth, Stride, Padding);

    private ConvShape Shape(Tensor x) => new(x[0], InChannels, x[2], x[3], OutChannels, KernelHeight, KernelWidth);

    /// <summary>Images per chunk: as many as keep cols near <see cref="ChunkFloats"/>, at least one.</summary>
    private static int ChunkImages(int n, int pixels, int window) => Math.Clamp(ChunkFloats / Math.Max(1, pixels * window), 1, Math.Max(1, n));

    /// <summary>Rows [first, last) of cols = im2col(chunk of x).</summary>
    private void UnfoldRows(int first, int last)
    {
        Tensor x = input!;
        int image = x[1] * x[2] * x[3];
        Im2Col.Unfold(x.Data.AsSpan(chunkStart * image, chunkCount * image), chunkCount, x[1], x[2], x[3], KernelHeight, KernelWidth, Stride, Padding, cols, first, last);
    }

    /// <summary>Planes [first, last) of the chunk's y: y[n,o,:] = out[o, n·P : (n+1)·P] + b[o], plane = n·O + o.</summary>
    private void RowsToOutput(int first, int last)
    {
        int o = OutChannels, pixels = output![2] * output[3];
        float[]? bs = bias?.Value.Data;
        for (int plane = first; plane < last; plane++)
        {
            int img = plane / o, ch = plane % o;
            ReadOnlySpan<float> src = rows.AsSpan((ch * chunkCount + img) * pixels, pixels);
            Span<float> dst = output.Data.AsSpan((chunkStart * o + plane) * pixels, pixels);
            if (bs is null)
            {
                src.CopyTo(dst);
            }
            else
            {
                TensorPrimitives.Add(src, bs[ch], dst);
            }
        }
    }

    /// <summary>y[o,:] += b[o] for one image's (O, P) block, in place.</summary>
    private void AddBias(Span<float> y, int pixels)
    {
        if (bias is null)
        {
            return;
        }

        ReadOnlySpan<float> bs = bias.Value.Span;
        for (int ch = 0; ch < bs.Length; ch++)
        {
            Span<float> plane = y.Slice(ch * pixels, pixels);
            TensorPrimitives.Add(plane, bs[ch], plane);
        }
    }

    /// <summary>Planes [first, last) of the chunk's dy into the (O, B·P) matrix dout: dout[o, n·P : (n+1)·P] = dy[n,o,:].</summary>
    private void OutputGradientToRows(int first, int last)
    {
        Tensor dy = outputGradient!;
        int o = OutChannels, pixels = dy[2] * dy[3];
        for (int plane = first; plane < last; plane++)
        {
            int img = plane / o, ch = plane % o;
            dy.Data.AsSpan((chunkStart * o + plane) * pixels, pixels).CopyTo(rows.AsSpan((ch * chunkCount + img) * pixels, pixels));
        }
    }

    /// <summary>Planes [first, last) of the chunk's dx = col2im(dcols), plane = n·C + c.</summary>
    private void FoldPlanes(int first, int last)
    {
        Tensor x = input!;
        int image = x[1] * x[2] * x[3];
        Im2Col.Fold(dcols, chunkCount, x[1], x[2], x[3], KernelHeight, KernelWidth, Stride, Padding, inputGradient!.Data.AsSpan(chunkStart * image, chunkCount * image), first, last);
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
