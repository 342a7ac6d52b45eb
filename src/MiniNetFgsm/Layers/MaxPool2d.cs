using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Layers;

/// <summary>
/// Max pooling over K×K windows with stride s (no padding), as PyTorch's <c>nn.MaxPool2d(K, s)</c>:
/// <code>y[n,c,oy,ox] = max_{i,j &lt; K} x[n, c, oy·s+i, ox·s+j]</code>, OH = (H − K)/s + 1 (floor).
/// </summary>
public sealed class MaxPool2d : Layer
{
    private Tensor? input;
    private int[] argmax = [];      // for each output element, the flat index of its maximum in x
    private Tensor? output;
    private Tensor? inputGradient;
    private Tensor? outputGradient;     // the dy of the current backward pass

    /// <summary>Creates a pooling layer; <paramref name="stride"/> defaults to the kernel size.</summary>
    public MaxPool2d(int kernelSize, int? stride = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(Stride, 1);
    }

    /// <summary>Window size K.</summary>
    public int KernelSize { get; }

    /// <summary>Stride s.</summary>
    public int Stride { get; }

    /// <summary>2×2 windows at stride 2 (both MNIST models): the SIMD kernels, which also rely on windows not overlapping.</summary>
    private bool IsTwoByTwo => KernelSize == 2 && Stride == 2;

    /// <inheritdoc />
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape[2] < KernelSize || inputShape[3] < KernelSize)
        {
            throw new ArgumentException($"MaxPool2d({KernelSize}) expects (N, C, H, W) with H, W >= {KernelSize} but got [{string.Join(", ", inputShape)}].");
        }

        return [inputShape[0], inputShape[1], (inputShape[2] - KernelSize) / Stride + 1, (inputShape[3] - KernelSize) / Stride + 1];
    }

    /// <summary>Forward: each output is the largest input in its window; the position of the first maximum
    /// in row-major order is remembered for the backward pass (ties go to the first, as in PyTorch).</summary>
    public override Tensor Forward(Tensor x, bool training)
    {
        if (output is null || input is null || !input.HasShape(x.Shape))
        {
            output = Tensor.Reuse(output, OutputShape(x.Shape));
        }

        input = x;
        if (argmax.Length < output.Length)
        {
            argmax = new int[output.Length];
        }

        Parallelism.ForRanges(x[0] * x[1], Threads, this, static (self, first, last) => self.PoolPlanes(first, last));
        return output;
    }

    /// <summary>Planes [first, last) of the N·C planes.</summary>
    private void PoolPlanes(int first, int last)
    {
        int h = input![2], w = input[3], oh = output![2], ow = output[3];
        if (IsTwoByTwo)
        {
            // The common case: whole planes through the SIMD kernel (compare-and-select: with random data "is this the
            // new maximum?" is a coin flip a branch predictor loses).
            MaxPoolKernels.Pool2x2Planes(input.Span, h, w, output.Span, argmax, first, last);
            return;
        }

        for (int plane = first; plane < last; plane++)
        {
            PoolPlane(input.Data, output.Data, argmax, plane * h * w, plane * oh * ow, w, oh, ow);
        }
    }

    /// <summary>Any K and s: one (H, W) plane starting at <paramref name="inBase"/> into its (OH, OW) output at <paramref name="outBase"/>.</summary>
    private void PoolPlane(float[] xs, float[] ys, int[] arg, int inBase, int outBase, int w, int oh, int ow)
    {
        int kernel = KernelSize, stride = Stride;
        for (int oy = 0; oy < oh; oy++)
        {
            int top = inBase + oy * stride * w;
            for (int ox = 0; ox < ow; ox++)
            {
                int best = top + ox * stride;
                float max = xs[best];
                for (int i = 0; i < kernel; i++)
                {
                    int rowStart = top + i * w + ox * stride;
                    for (int j = 0; j < kernel; j++)
                    {
                        // Strictly greater: on ties the first maximum in row-major order wins.
                        float v = xs[rowStart + j];
                        if (v > max)
                        {
                            max = v;
                            best = rowStart + j;
                        }
                    }
                }

                ys[outBase + oy * ow + ox] = max;
                arg[outBase + oy * ow + ox] = best;
            }
        }
    }

    /// <summary>Backward of y = x[argmax]: dx[argmax] += dy, every other dx is 0 (overlapping windows add up).</summary>
    public override Tensor? Backward(Tensor dy, bool needInputGradient = true, bool needParameterGradients = true)
    {
        int[] shape = Cached(input, nameof(MaxPool2d)).Shape;
        if (!needInputGradient)
        {
            return null;
        }

        inputGradient = Tensor.Reuse(inputGradient, shape);
        if (IsTwoByTwo)
        {
            // Non-overlapping windows: one sequential write of dx (each input compares its index with its window's argmax).
            outputGradient = dy;
            Parallelism.ForRanges(shape[0] * shape[1], Threads, this, static (self, first, last) =>
                MaxPoolKernels.Unpool2x2Planes(self.outputGradient!.Span, self.argmax, self.input![2], self.input[3], self.inputGradient!.Span, first, last));
            return inputGradient;
        }

        Span<float> dx = inputGradient.Span;
        dx.Clear();
        ReadOnlySpan<float> dys = dy.Span;
        for (int k = 0; k < dys.Length; k++)
        {
            dx[argmax[k]] += dys[k];
        }

        return inputGradient;
    }
}
