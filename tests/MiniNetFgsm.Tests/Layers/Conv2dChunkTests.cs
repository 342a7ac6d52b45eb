using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Layers;

/// <summary>Large images are convolved in chunks of a few images; the result must not depend on the chunking.</summary>
public class Conv2dChunkTests
{
    [Fact]
    public void ForwardAndBackward_BatchSplitIntoChunks_EqualsImageByImage()
    {
        // 8 channels of 40×40 with a 5×5 kernel: cols are 200 × 1296 floats per image, so a chunk holds 2 images
        // and a batch of 5 takes 3 chunks (the last one partial).
        var random = new Random(41);
        const int n = 5, c = 8, h = 40, w = 40;
        var batched = new Conv2d(c, 4, 5, stride: 1, padding: 1);
        var single = new Conv2d(c, 4, 5, stride: 1, padding: 1);
        TestData.Uniform(random, batched.Weight.Value.Length).CopyTo(batched.Weight.Value.Span);
        TestData.Uniform(random, 4).CopyTo(batched.Bias!.Value.Span);
        batched.Weight.Value.Span.CopyTo(single.Weight.Value.Span);
        batched.Bias.Value.Span.CopyTo(single.Bias!.Value.Span);
        var x = new Tensor(TestData.Uniform(random, n * c * h * w), n, c, h, w);

        Tensor y = batched.Forward(x, training: false);
        var dy = new Tensor(TestData.Uniform(random, y.Length), y.Shape);
        float[] dx = (float[])batched.Backward(dy)!.Data.Clone();

        int image = c * h * w, outImage = y.Length / n;
        float[] dWSum = new float[single.Weight.Value.Length];
        float[] dbSum = new float[4];
        for (int i = 0; i < n; i++)
        {
            single.Weight.Gradient.Clear();
            single.Bias.Gradient.Clear();
            var xi = new Tensor(x.Data.AsSpan(i * image, image).ToArray(), 1, c, h, w);
            Tensor yi = single.Forward(xi, training: false);
            Assert.True(TestData.MaxRelativeError(yi.Span, y.Span.Slice(i * outImage, outImage)) < 1e-5);
            Tensor dxi = single.Backward(new Tensor(dy.Data.AsSpan(i * outImage, outImage).ToArray(), yi.Shape))!;
            Assert.True(TestData.MaxRelativeError(dxi.Span, dx.AsSpan(i * image, image)) < 1e-5);
            System.Numerics.Tensors.TensorPrimitives.Add(dWSum, single.Weight.Gradient.Span, dWSum);
            System.Numerics.Tensors.TensorPrimitives.Add(dbSum, single.Bias.Gradient.Span, dbSum);
        }

        Assert.True(TestData.MaxRelativeError(batched.Weight.Gradient.Span, dWSum) < 1e-4);
        Assert.True(TestData.MaxRelativeError(batched.Bias.Gradient.Span, dbSum) < 1e-4);
    }
}
