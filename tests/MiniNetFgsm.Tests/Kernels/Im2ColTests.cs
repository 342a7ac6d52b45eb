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
        { 1, 3, 26, 26, 3, 3, 1, 0 },  // mnist-cnn's conv2 rows: 24 wide, three 8-wide vectors
        { 2, 2, 21, 19, 3, 3, 1, 1 },  // 19 wide: a vector, a 4-wide step and a scalar tail
        { 1, 1, 3, 41, 1, 5, 1, 2 },   // 41 wide with padding on both sides of each row
        { 3, 10, 12, 12, 5, 5, 1, 0 }, // lenet's conv2: 8-wide output rows, one vector each in the unpadded fold
        { 2, 2, 20, 19, 4, 4, 1, 0 },  // unpadded, 16-wide output rows in a 19-wide plane, non-square
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
    public void Fold_MatchesReference(int n, int c, int h, int w, int kh, int kw, int stride, int padding)
    {
        var random = new Random(33);
        int rows = n * Im2Col.OutputSize(h, kh, stride, padding) * Im2Col.OutputSize(w, kw, stride, padding);
        float[] d = TestData.Uniform(random, rows * c * kh * kw);
        float[] actual = TestData.Uniform(random, n * c * h * w);         // garbage that must be overwritten
        float[] expected = new float[actual.Length];

        Im2Col.Fold(d, n, c, h, w, kh, kw, stride, padding, actual);
        Im2Col.FoldReference(d, n, c, h, w, kh, kw, stride, padding, expected);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void UnfoldAndFold_RejectSpansTooShortForTheShape()
    {
        float[] x = new float[2 * 5 * 5], cols = new float[9 * 2 * 9];
        Assert.Throws<ArgumentException>(() => Im2Col.Unfold(x.AsSpan(1), 2, 1, 5, 5, 3, 3, 1, 0, cols));
        Assert.Throws<ArgumentException>(() => Im2Col.Unfold(x, 2, 1, 5, 5, 3, 3, 1, 0, cols.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => Im2Col.Fold(cols.AsSpan(1), 2, 1, 5, 5, 3, 3, 1, 0, x));
        Assert.Throws<ArgumentException>(() => Im2Col.Fold(cols, 2, 1, 5, 5, 3, 3, 1, 0, x.AsSpan(1)));
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
