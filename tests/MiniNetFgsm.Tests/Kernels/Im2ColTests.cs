using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

public class Im2ColTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> Cases() => new()
    {
        // n, c, h, w, kh, kw, stride, padding
        { 1, 1, 1, 1, 1, 1, 1, 0 },
        { 2, 1, 5, 5, 3, 3, 1, 0 },
        { 3, 3, 7, 5, 3, 3, 2, 1 },
        { 1, 2, 9, 13, 5, 3, 1, 2 },
        { 2, 4, 11, 7, 2, 4, 3, 1 },
        { 2, 1, 28, 28, 5, 5, 1, 0 },
        { 2, 2, 6, 6, 3, 3, 1, 4 },    // padding larger than the kernel: whole windows of zeros
        { 1, 1, 4, 4, 3, 3, 5, 2 },    // stride larger than the kernel
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unfold_MatchesReference(int n, int c, int h, int w, int kh, int kw, int stride, int padding)
    {
        var random = new Random(31);
        float[] x = TestData.Uniform(random, n * c * h * w);
        int rows = n * Im2Col.OutputSize(h, kh, stride, padding) * Im2Col.OutputSize(w, kw, stride, padding);
        float[] actual = TestData.Uniform(random, rows * c * kh * kw);     // garbage that must be overwritten
        float[] expected = new float[actual.Length];

        Im2Col.Unfold(x, n, c, h, w, kh, kw, stride, padding, actual);
        Im2Col.UnfoldReference(x, n, c, h, w, kh, kw, stride, padding, expected);

        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fold_IsTheAdjointOfUnfold(int n, int c, int h, int w, int kh, int kw, int stride, int padding)
    {
        // <Unfold(x), d> = <x, Fold(d)> for all x, d: the defining property of the backward pass.
        var random = new Random(32);
        float[] x = TestData.Uniform(random, n * c * h * w);
        int rows = n * Im2Col.OutputSize(h, kh, stride, padding) * Im2Col.OutputSize(w, kw, stride, padding);
        float[] d = TestData.Uniform(random, rows * c * kh * kw);
        float[] unfolded = new float[d.Length];
        float[] folded = TestData.Uniform(random, x.Length);

        Im2Col.Unfold(x, n, c, h, w, kh, kw, stride, padding, unfolded);
        Im2Col.Fold(d, n, c, h, w, kh, kw, stride, padding, folded);

        double left = unfolded.Zip(d, (a, b) => (double)a * b).Sum();
        double right = x.Zip(folded, (a, b) => (double)a * b).Sum();
        Assert.Equal(left, right, 1e-4);
    }
}
