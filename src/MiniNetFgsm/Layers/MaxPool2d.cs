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
        for (int plane = first; plane < last; plane++)
        {
            PoolPlane(input.Data, output.Data, argmax, plane * h * w, plane * oh * ow, w, oh, ow);
        }
    }

    /// <summary>One (H, W) plane starting at <paramref name="inBase"/> into its (OH, OW) output at <paramref name="outBase"/>.</summary>
    private void PoolPlane(float[] xs, float[] ys, int[] arg, int inBase, int outBase, int w, int oh, int ow)
    {
        int kernel = KernelSize, stride = Stride;
        if (kernel == 2 && stride == 2)
        {
            PoolPlane2x2(xs, ys, arg, inBase, outBase, w, oh, ow);
            return;
        }

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

    /// <summary>
    /// The common 2×2, stride 2 case without branches: with random data "is this the new maximum?" is a coin
    /// flip the branch predictor loses (≈ 15 cycles each time), so each candidate is merged with integer masks.
    /// </summary>
    private static void PoolPlane2x2(float[] xs, float[] ys, int[] arg, int inBase, int outBase, int w, int oh, int ow)
    {
        for (int oy = 0; oy < oh; oy++)
        {
            int top = inBase + 2 * oy * w;
            ReadOnlySpan<float> row0 = xs.AsSpan(top, 2 * ow), row1 = xs.AsSpan(top + w, 2 * ow);
            Span<float> y = ys.AsSpan(outBase + oy * ow, ow);
            Span<int> a = arg.AsSpan(outBase + oy * ow, ow);
            for (int ox = 0; ox < ow; ox++)
            {
                // Candidates in row-major order; strictly greater keeps the first maximum on ties.
                float max = row0[2 * ox];
                int best = top + 2 * ox;
                Merge(ref max, ref best, row0[2 * ox + 1], top + 2 * ox + 1);
                Merge(ref max, ref best, row1[2 * ox], top + w + 2 * ox);
                Merge(ref max, ref best, row1[2 * ox + 1], top + w + 2 * ox + 1);
                y[ox] = max;
                a[ox] = best;
            }
        }
    }

    /// <summary>If v &gt; max, take v and its index, without a branch: the sign of (max − v) is the mask
    /// (for finite values the rounded difference has the sign of the exact one).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Merge(ref float max, ref int best, float v, int index)
    {
        int mask = BitConverter.SingleToInt32Bits(max - v) >> 31;     // −1 when v > max, else 0
        best = (best & ~mask) | (index & mask);
        max = BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(max) & ~mask) | (BitConverter.SingleToInt32Bits(v) & mask));
    }

    /// <summary>Backward of y = x[argmax]: dx[argmax] += dy, every other dx is 0.</summary>
    public override Tensor? Backward(Tensor dy, bool needInputGradient = true, bool needParameterGradients = true)
    {
        int[] shape = Cached(input, nameof(MaxPool2d)).Shape;
        if (!needInputGradient)
        {
            return null;
        }

        inputGradient = Tensor.Reuse(inputGradient, shape);
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
