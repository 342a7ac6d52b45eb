using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Layers;

/// <summary>
/// The im2col path convolves a batch in chunks: one image at a time when an image's cols are large (then y and dy
/// are used in place), several images per chunk otherwise. Both must agree with the plain convolution loops.
/// </summary>
public class Conv2dChunkTests
{
    [Theory]
    // 8 channels of 40×40, 5×5 kernel: cols are 200 × 1296 floats per image, so each chunk is one image.
    [InlineData(3, 40)]
    // 8 channels of 22×22: cols are 200 × 324 floats per image, so a chunk holds several images and the last is partial.
    [InlineData(5, 22)]
    public void ForwardAndBackward_MatchThePlainConvolution(int n, int size)
    {
        var random = new Random(41);
        const int c = 8, o = 4, k = 5;
        var conv = new Conv2d(c, o, k);
        var shape = new ConvShape(n, c, size, size, o, k, k);
        Assert.False(DirectConv2d.IsFasterForward(c, k, k, 1, 0, shape.OutputWidth));    // this is the im2col path
        Assert.False(DirectConv2d.IsFasterBackward(c, k, k, 1, 0, shape.OutputWidth));
        TestData.Uniform(random, conv.Weight.Value.Length).CopyTo(conv.Weight.Value.Span);
        TestData.Uniform(random, o).CopyTo(conv.Bias!.Value.Span);
        var x = new Tensor(TestData.Uniform(random, n * c * size * size), n, c, size, size);

        Tensor y = conv.Forward(x, training: true);
        float[] expectedY = new float[y.Length];
        DirectConv2d.ForwardReference(x.Span, conv.Weight.Value.Span, conv.Bias.Value.Span, expectedY, shape);
        Assert.True(TestData.MaxRelativeError(y.Span, expectedY) < 1e-5);

        var dy = new Tensor(TestData.Uniform(random, y.Length), y.Shape);
        Tensor dx = conv.Backward(dy)!;
        float[] expectedDx = new float[dx.Length], expectedDw = new float[conv.Weight.Value.Length], expectedDb = new float[o];
        DirectConv2d.BackwardInputReference(conv.Weight.Value.Span, dy.Span, expectedDx, shape);
        DirectConv2d.BackwardWeightsReference(x.Span, dy.Span, expectedDw, shape);
        int plane = shape.OutputHeight * shape.OutputWidth;
        for (int i = 0; i < n * o; i++)
        {
            expectedDb[i % o] += System.Numerics.Tensors.TensorPrimitives.Sum(dy.Span.Slice(i * plane, plane));
        }

        Assert.True(TestData.MaxRelativeError(dx.Span, expectedDx) < 1e-5);
        Assert.True(TestData.MaxRelativeError(conv.Weight.Gradient.Span, expectedDw) < 1e-4);
        Assert.True(TestData.MaxRelativeError(conv.Bias.Gradient.Span, expectedDb) < 1e-4);
        Assert.Contains(conv.Weight.Gradient.Span.ToArray(), v => v != 0f);
    }
}
