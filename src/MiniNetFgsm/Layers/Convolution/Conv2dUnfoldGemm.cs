using System.Numerics.Tensors;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers.Convolution;

/// <summary>
/// Convolution as matrix products over chunks of B images: cols (C·KH·KW, B·P) = im2col(x chunk); out (O, B·P) =
/// W · cols; y[n,o,:] = out[o, n·P : (n+1)·P] + b[o]. Runs any shape, and sums every output in the same order.
/// </summary>
/// <remarks>
/// A chunk's cols are sized to stay in L2 (about 512 KiB, at least one image) instead of unrolling the whole batch: the
/// GEMM then reads what im2col just wrote from cache, and memory stays small. When a chunk is one image (mnist-cnn's
/// conv2), out is that image's (O, P) block of y itself, so the GEMM writes y directly and reads dy directly. The
/// backward pass unrolls each chunk again rather than keeping every chunk's cols from the forward pass (one extra
/// im2col, far cheaper than the GEMMs).
/// </remarks>
internal sealed class Conv2dUnfoldGemm : IConv2dAlgorithm
{
    /// <summary>Target size of one chunk's cols, in floats (512 KiB: a quarter of the 1–2 MiB L2 of current cores).</summary>
    private const int ChunkFloats = 128 * 1024;

    private float[] cols = [];              // (C·KH·KW, B·P): im2col of the current chunk of B images
    private float[] chunkRows = [];         // (O, B·P): the chunk's output, or its output gradient, channel-major (B > 1 only)
    private float[] colsGradient = [];      // (C·KH·KW, B·P): dcols = Wᵀ · dout, folded back into dx

    /// <summary>
    /// Per chunk: cols = im2col(x); out = W · cols; y[n,o,:] = out[o, n·P : (n+1)·P] + b[o].
    /// </summary>
    public void Forward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, Memory<float> y, Conv2dShape shape, int threads)
    {
        (int n, int o, int pixels, int window) = (shape.Images, shape.OutChannels, shape.OutputPixels, shape.Window);
        int chunk = ChunkImages(n, pixels, window);
        Conv2dScratch.Grow(ref cols, window * chunk * pixels);
        Conv2dScratch.Grow(ref chunkRows, chunk == 1 ? 0 : o * chunk * pixels);      // one-image chunks use y itself
        for (int start = 0; start < n; start += chunk)
        {
            var part = new Chunk(shape, start, Math.Min(chunk, n - start));
            int columns = part.Count * pixels;
            Parallelism.ForRanges(window, threads, new UnfoldJob(x, cols, part), static (job, first, last) => job.Run(first, last));
            if (chunk == 1)
            {
                // One image: its (O, P) output block is the GEMM's result as it stands, so it goes straight into y.
                Span<float> image = y.Span.Slice(start * o * pixels, o * pixels);
                Gemm.Multiply(false, false, o, columns, window, weight.Span, window, cols, columns, image, columns, threads: threads);
                AddBias(image, bias.Span, pixels);
            }
            else
            {
                Gemm.Multiply(false, false, o, columns, window, weight.Span, window, cols, columns, chunkRows, columns, threads: threads);
                Parallelism.ForRanges(part.Count * o, threads, new RowsToOutputJob(chunkRows, bias, y, part), static (job, first, last) => job.Run(first, last));
            }
        }
    }

    /// <summary>
    /// Backward of out = W · cols (+ b), per chunk, with dout the (O, B·P) view of the chunk's dy:
    /// dW += dout · colsᵀ, db[o] += Σ dout[o, :], dcols = Wᵀ · dout, dx = col2im(dcols).
    /// </summary>
    public void Backward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> dy,
        Memory<float> weightGradient, Memory<float> biasGradient, Memory<float> inputGradient, Conv2dShape shape, int threads)
    {
        (int n, int o, int pixels, int window) = (shape.Images, shape.OutChannels, shape.OutputPixels, shape.Window);
        int chunk = ChunkImages(n, pixels, window);
        Conv2dScratch.Grow(ref cols, window * chunk * pixels);
        Conv2dScratch.Grow(ref chunkRows, chunk == 1 ? 0 : o * chunk * pixels);      // one-image chunks use dy itself
        if (!inputGradient.IsEmpty)
        {
            Conv2dScratch.Grow(ref colsGradient, window * chunk * pixels);
        }

        for (int start = 0; start < n; start += chunk)
        {
            var part = new Chunk(shape, start, Math.Min(chunk, n - start));
            int columns = part.Count * pixels;
            ReadOnlySpan<float> dout;
            if (chunk == 1)
            {
                // One image: its (O, P) block of dy already is dout.
                dout = dy.Span.Slice(start * o * pixels, o * pixels);
            }
            else
            {
                Parallelism.ForRanges(part.Count * o, threads, new OutputGradientToRowsJob(dy, chunkRows, part), static (job, first, last) => job.Run(first, last));
                dout = chunkRows.AsSpan(0, o * columns);
            }

            if (!weightGradient.IsEmpty)
            {
                Span<float> db = biasGradient.Span;
                for (int ch = 0; ch < db.Length; ch++)
                {
                    db[ch] += TensorPrimitives.Sum(dout.Slice(ch * columns, columns));
                }

                Parallelism.ForRanges(window, threads, new UnfoldJob(x, cols, part), static (job, first, last) => job.Run(first, last));
                Gemm.Multiply(false, true, o, window, columns, dout, columns, cols, columns, weightGradient.Span, window, accumulate: true, threads: threads);
            }

            if (!inputGradient.IsEmpty)
            {
                Gemm.Multiply(true, false, window, columns, o, weight.Span, window, dout, columns, colsGradient, columns, threads: threads);
                Parallelism.ForRanges(part.Count * shape.Channels, threads, new FoldJob(colsGradient, inputGradient, part), static (job, first, last) => job.Run(first, last));
            }
        }
    }

    /// <summary>Images per chunk: as many as keep cols near <see cref="ChunkFloats"/>, at least one.</summary>
    private static int ChunkImages(int n, int pixels, int window) => Math.Clamp(ChunkFloats / Math.Max(1, pixels * window), 1, Math.Max(1, n));

    /// <summary>y[o,:] += b[o] for one image's (O, P) block, in place (nothing when b is empty).</summary>
    private static void AddBias(Span<float> y, ReadOnlySpan<float> bias, int pixels)
    {
        for (int ch = 0; ch < bias.Length; ch++)
        {
            Span<float> plane = y.Slice(ch * pixels, pixels);
            TensorPrimitives.Add(plane, bias[ch], plane);
        }
    }

    /// <summary>Images [Start, Start + Count) of a batch of the given shape.</summary>
    private readonly record struct Chunk(Conv2dShape Shape, int Start, int Count);

    // The parallel parts below are readonly structs handed to Parallelism.ForRanges with a static lambda: no closure
    // and no per-call allocation, and every buffer a part touches is named in its fields.

    /// <summary>Rows [first, last) of cols = im2col(the chunk of x).</summary>
    private readonly record struct UnfoldJob(ReadOnlyMemory<float> X, float[] Cols, Chunk Chunk)
    {
        public void Run(int first, int last)
        {
            Conv2dShape s = Chunk.Shape;
            Im2Col.Unfold(X.Span.Slice(Chunk.Start * s.InputImage, Chunk.Count * s.InputImage), Chunk.Count, s.Channels, s.Height, s.Width,
                s.KernelHeight, s.KernelWidth, s.Stride, s.Padding, Cols, first, last);
        }
    }

    /// <summary>Planes [first, last) of the chunk's y: y[n,o,:] = out[o, n·P : (n+1)·P] + b[o], plane = n·O + o.</summary>
    private readonly record struct RowsToOutputJob(float[] Rows, ReadOnlyMemory<float> Bias, Memory<float> Y, Chunk Chunk)
    {
        public void Run(int first, int last)
        {
            int o = Chunk.Shape.OutChannels, pixels = Chunk.Shape.OutputPixels;
            ReadOnlySpan<float> bias = Bias.Span;
            Span<float> y = Y.Span;
            for (int plane = first; plane < last; plane++)
            {
                int img = plane / o, ch = plane % o;
                ReadOnlySpan<float> src = Rows.AsSpan((ch * Chunk.Count + img) * pixels, pixels);
                Span<float> dst = y.Slice((Chunk.Start * o + plane) * pixels, pixels);
                if (bias.IsEmpty)
                {
                    src.CopyTo(dst);
                }
                else
                {
                    TensorPrimitives.Add(src, bias[ch], dst);
                }
            }
        }
    }

    /// <summary>Planes [first, last) of the chunk's dy into the (O, B·P) matrix dout: dout[o, n·P : (n+1)·P] = dy[n,o,:].</summary>
    private readonly record struct OutputGradientToRowsJob(ReadOnlyMemory<float> Dy, float[] Rows, Chunk Chunk)
    {
        public void Run(int first, int last)
        {
            int o = Chunk.Shape.OutChannels, pixels = Chunk.Shape.OutputPixels;
            ReadOnlySpan<float> dy = Dy.Span;
            for (int plane = first; plane < last; plane++)
            {
                int img = plane / o, ch = plane % o;
                dy.Slice((Chunk.Start * o + plane) * pixels, pixels).CopyTo(Rows.AsSpan((ch * Chunk.Count + img) * pixels, pixels));
            }
        }
    }

    /// <summary>Planes [first, last) of the chunk's dx = col2im(dcols), plane = n·C + c.</summary>
    private readonly record struct FoldJob(float[] ColsGradient, Memory<float> Dx, Chunk Chunk)
    {
        public void Run(int first, int last)
        {
            Conv2dShape s = Chunk.Shape;
            Im2Col.Fold(ColsGradient, Chunk.Count, s.Channels, s.Height, s.Width, s.KernelHeight, s.KernelWidth, s.Stride, s.Padding,
                Dx.Span.Slice(Chunk.Start * s.InputImage, Chunk.Count * s.InputImage), first, last);
        }
    }
}
