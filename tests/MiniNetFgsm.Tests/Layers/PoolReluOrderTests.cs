using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Layers;

/// <summary>
/// mnist-cnn pools before its second ReLU, where PyTorch's example pools after it (see ModelZoo): the two orders must
/// give the same outputs and the same input gradients, bit for bit, ties and non-positive windows included.
/// </summary>
public class PoolReluOrderTests
{
    [Theory]
    [InlineData(2, 3, 24, 24, 11)]     // mnist-cnn's shape, smaller batch
    [InlineData(1, 1, 5, 7, 12)]       // odd sizes: the last row and column fall outside every window
    [InlineData(3, 2, 8, 8, 13)]
    public void PoolThenRelu_EqualsReluThenPool_ForwardAndBackward(int n, int c, int h, int w, int seed)
    {
        var random = new Random(seed);
        // Values on a coarse grid in [-1, 1]: many exact ties (positive, zero and negative) and all-negative windows.
        float[] values = Enumerable.Range(0, n * c * h * w).Select(_ => random.Next(-4, 5) / 4f).ToArray();
        var x = new Tensor(values, n, c, h, w);

        var reluFirst = new Sequential().Add("relu", new ReLU()).Add("pool", new MaxPool2d(2));
        var poolFirst = new Sequential().Add("pool", new MaxPool2d(2)).Add("relu", new ReLU());
        float[] y1 = (float[])reluFirst.Forward(x, training: true).Data.Clone();
        float[] y2 = (float[])poolFirst.Forward(x, training: true).Data.Clone();
        Assert.Equal(y1.Select(BitConverter.SingleToInt32Bits), y2.Select(BitConverter.SingleToInt32Bits));

        var dy = new Tensor(TestData.Uniform(random, y1.Length), n, c, h / 2, w / 2);
        float[] dx1 = (float[])reluFirst.Backward(dy)!.Data.Clone();
        float[] dx2 = (float[])poolFirst.Backward(dy)!.Data.Clone();
        Assert.Equal(dx1.Select(BitConverter.SingleToInt32Bits), dx2.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(dx1, v => v != 0f);     // the comparison is not between two all-zero gradients
        Assert.Contains(values, v => v == 0f);
    }
}
