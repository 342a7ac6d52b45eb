using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Layers;

public class MaxPool2dTests
{
    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    public void Backward_TiedWindow_RoutesGradientToFirstMaximumInRowMajorOrder(int kernel, int stride)
    {
        // One 4×4 plane of equal values except a tie of two larger values in each window's second row.
        var x = new Tensor(Enumerable.Repeat(1f, 16).ToArray(), 1, 1, 4, 4);
        x.Data[1 * 4 + 0] = 5f;
        x.Data[1 * 4 + 1] = 5f;
        var pool = new MaxPool2d(kernel, stride);
        Tensor y = pool.Forward(x, training: false);
        var dy = new Tensor(Enumerable.Repeat(1f, y.Length).ToArray(), y.Shape);

        Tensor dx = pool.Backward(dy)!;

        // The first window covers (1,0) and (1,1): only (1,0), the first 5 in row-major order, gets its gradient.
        Assert.Equal(5f, y.Data[0]);
        Assert.Equal(1f, dx.Data[1 * 4 + 0]);
        Assert.Equal(0f, dx.Data[1 * 4 + 1]);
    }

    [Fact]
    public void Forward_AllEqualWindow_PicksTheFirstElement()
    {
        var x = new Tensor(Enumerable.Repeat(2f, 4).ToArray(), 1, 1, 2, 2);
        var pool = new MaxPool2d(2);
        pool.Forward(x, training: false);

        Tensor dx = pool.Backward(new Tensor([3f], 1, 1, 1, 1))!;

        Assert.Equal([3f, 0f, 0f, 0f], dx.Data);
    }

    [Fact]
    public void Forward_TwoByTwoFastPath_MatchesGeneralPathOnRandomData()
    {
        // Stride 2 with kernel 2 takes the branch-free path; kernel 2 with stride 1 the general one: compare on shared windows.
        var random = new Random(5);
        var x = new Tensor(TestData.Uniform(random, 2 * 3 * 6 * 8), 2, 3, 6, 8);

        Tensor fast = new MaxPool2d(2, 2).Forward(x, training: false).Clone();
        Tensor general = new MaxPool2d(2, 1).Forward(x, training: false);

        for (int plane = 0; plane < 6; plane++)
        {
            for (int oy = 0; oy < 3; oy++)
            {
                for (int ox = 0; ox < 4; ox++)
                {
                    Assert.Equal(general.Data[(plane * 5 + 2 * oy) * 7 + 2 * ox], fast.Data[(plane * 3 + oy) * 4 + ox]);
                }
            }
        }
    }
}
