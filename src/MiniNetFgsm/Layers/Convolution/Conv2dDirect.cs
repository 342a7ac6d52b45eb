using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers.Convolution;

/// <summary>
/// Convolution through the direct kernels (<see cref="DirectConv2d"/>), vectorised along output rows: stride 1, no
/// padding, output rows at least one vector wide (8 floats at 256 bits and up, 4 at 128). Few taps (a first layer) or
/// narrow output rows make im2col + GEMM spend its time unrolling and packing; this skips the unrolling.
/// </summary>
internal sealed class Conv2dDirect : IConv2dAlgorithm
{
    private float[] flippedWeights = [];        // (C, O, KH, KW): w flipped in both kernel axes, channel roles swapped
    private float[][] paddedGradients = [];     // one per part: an image's dy (O, OH + 2KH − 2, OW + 2KW − 2) inside a zero border
    private ConvShape paddedFor;                // the sizes the borders were cleared for (N and C set to 0: they do not matter)

    /// <summary>True when the direct kernels can run this shape (see <see cref="DirectConv2d.Supports"/>).</summary>
    public static bool Supports(in Conv2dShape shape) => DirectConv2d.Supports(shape.Stride, shape.Padding, shape.OutputWidth);

    /// <summary>y[n,o,oy,ox] = b[o] + Σ_{c,i,j} w[o,c,i,j] · x[n,c,oy+i,ox+j], plane (n, o) by plane across the threads.</summary>
    public void Forward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, Memory<float> y, Conv2dShape shape, int threads)
        => Parallelism.ForRanges(shape.Images * shape.OutChannels, threads, new ForwardJob(x, weight, bias, y, shape.Direct),
            static (job, first, last) => DirectConv2d.Forward(job.X.Span, job.Weight.Span, job.Bias.Span, job.Y.Span, job.Shape, first, last));

    /// <summary>
    /// db[o] += Σ dy[:,o,:,:]; dW += the correlation of dy with x, output channel by channel across the threads; dx =
    /// the correlation of zero-padded dy with the flipped kernel (a gather through the forward kernel), plane (n, c) by
    /// plane.
    /// </summary>
    public void Backward(ReadOnlyMemory<float> x, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> dy,
        Memory<float> weightGradient, Memory<float> biasGradient, Memory<float> inputGradient, Conv2dShape shape, int threads)
    {
        ConvShape s = shape.Direct;
        if (!weightGradient.IsEmpty)
        {
            Conv2dBias.AddGradient(dy.Span, biasGradient.Span, shape);
            Parallelism.ForRanges(shape.OutChannels, threads, new WeightGradientJob(x, dy, weightGradient, s),
                static (job, first, last) => DirectConv2d.BackwardWeights(job.X.Span, job.Dy.Span, job.Dw.Span, job.Shape, first, last));
        }

        if (inputGradient.IsEmpty)
        {
            return;
        }

        Conv2dScratch.Grow(ref flippedWeights, s.OutChannels * s.Taps);

        DirectConv2d.FlipWeights(weight.Span, s, flippedWeights);

        // One padded dy per part (range p of the planes, as Parallelism.ForRanges would cut them), since each part
        // copies its own images into it.
        int planes = shape.Images * shape.Channels, parts = Math.Max(1, Math.Min(threads, planes));
        PreparePaddedGradients(s, parts);
        var job = new InputGradientJob(flippedWeights, dy, inputGradient, paddedGradients, s, planes, parts);
        Parallelism.ForRanges(parts, parts, job, static (job, first, last) => job.Run(first, last));
    }

    /// <summary>Makes <paramref name="parts"/> padded buffers with a zero border for these sizes, reusing the ones there.</summary>
    private void PreparePaddedGradients(ConvShape s, int parts)
    {
        ConvShape sizes = s with { Images = 0, Channels = 0 };
        if (sizes != paddedFor)
        {
            paddedGradients = [];
            paddedFor = sizes;
        }

        if (paddedGradients.Length < parts)
        {
            int length = DirectConv2d.PaddedGradientLength(s);
            float[][] grown = new float[parts][];
            for (int p = 0; p < parts; p++)
            {
                grown[p] = p < paddedGradients.Length ? paddedGradients[p] : new float[length];
            }

            paddedGradients = grown;
        }
    }

    private readonly record struct ForwardJob(ReadOnlyMemory<float> X, ReadOnlyMemory<float> Weight, ReadOnlyMemory<float> Bias, Memory<float> Y, ConvShape Shape);

    private readonly record struct WeightGradientJob(ReadOnlyMemory<float> X, ReadOnlyMemory<float> Dy, Memory<float> Dw, ConvShape Shape);

    /// <summary>Parts [first, last) of dx's planes p = n·C + c; part q takes planes [planes·q/parts, planes·(q+1)/parts)
    /// with its own padded dy.</summary>
    private readonly record struct InputGradientJob(
        float[] FlippedWeights, ReadOnlyMemory<float> Dy, Memory<float> Dx, float[][] Padded, ConvShape Shape, int Planes, int Parts)
    {
        public void Run(int first, int last)
        {
            for (int part = first; part < last; part++)
            {
                int from = (int)((long)Planes * part / Parts), to = (int)((long)Planes * (part + 1) / Parts);
                DirectConv2d.BackwardInput(FlippedWeights, Dy.Span, Dx.Span, Padded[part], Shape, from, to);
            }
        }
    }
}
