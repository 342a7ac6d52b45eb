using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Layers;

/// <summary>
/// Finite-difference checks of every backward pass. Tolerance: |analytic − numeric| ≤ 5e-4 + 2e-3·|numeric|
/// with step h = 1e-2 (conv and dense are linear in each variable, so the central difference is exact up to
/// float rounding of the forward pass, about 1e-7·|L|/h). ReLU and max-pool inputs are kept at least 0.05 away from
/// their kinks and ties so that ±h never crosses one.
/// </summary>
public class LayerGradientTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, bool> ConvCases() => new()
    {
        // n, c, o, h, w, kernel, stride, padding, bias
        { 1, 1, 1, 5, 5, 3, 1, 0, true },
        { 2, 3, 4, 7, 5, 3, 2, 1, true },     // non-square, stride 2, padding 1
        { 2, 2, 3, 9, 6, 5, 1, 2, false },    // no bias, big padding
        { 3, 1, 2, 8, 11, 2, 2, 0, true },    // even kernel
        { 1, 4, 5, 6, 7, 1, 1, 0, true },     // 1x1 kernel
        { 2, 3, 2, 10, 9, 4, 3, 1, true },    // stride 3 leaves rows unused
        { 2, 1, 3, 12, 14, 3, 1, 0, true },   // direct path (DirectConv2d): 9 taps, OW = 12 (overlapping last vector)
        { 1, 3, 2, 7, 20, 3, 1, 0, false },   // direct path: 27 taps, OW = 18, no bias
        { 2, 6, 5, 13, 12, 3, 1, 0, true },   // 54 taps, OW = 10: direct forward, im2col backward
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_Backward_MatchesFiniteDifferences(int n, int c, int o, int h, int w, int kernel, int stride, int padding, bool bias)
    {
        var random = new Random(10 + h * w);
        var conv = new Conv2d(c, o, kernel, stride, padding, bias);
        Randomize(conv, random);
        var x = new Tensor(TestData.Uniform(random, n * c * h * w), n, c, h, w);

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(conv, x, random);

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Fact]
    public void Conv2d_NonSquareKernel_MatchesFiniteDifferences()
    {
        var random = new Random(11);
        var conv = new Conv2d(2, 3, 3, 2, 1, 1, true);
        Randomize(conv, random);
        var x = new Tensor(TestData.Uniform(random, 2 * 2 * 6 * 5), 2, 2, 6, 5);

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(conv, x, random);

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    public void MaxPool2d_Backward_MatchesFiniteDifferences(int kernel, int stride)
    {
        var random = new Random(12 + kernel * 7 + stride);
        var pool = new MaxPool2d(kernel, stride);
        var x = new Tensor(DistinctValues(random, 2 * 3 * 7 * 6), 2, 3, 7, 6);

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(pool, x, random);

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Fact]
    public void ReLU_Backward_MatchesFiniteDifferences()
    {
        var random = new Random(13);
        float[] values = TestData.Uniform(random, 3 * 37);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += values[i] >= 0 ? 0.05f : -0.05f;
        }

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(new ReLU(), new Tensor(values, 3, 37), random);

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(4, 37, 13)]
    public void Dense_Backward_MatchesFiniteDifferences(int n, int inFeatures, int outFeatures)
    {
        var random = new Random(14 + inFeatures);
        var dense = new Dense(inFeatures, outFeatures);
        Randomize(dense, random);
        var x = new Tensor(TestData.Uniform(random, n * inFeatures), n, inFeatures);

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(dense, x, random);

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Fact]
    public void Dense_FourDimensionalInput_MatchesFiniteDifferences()
    {
        var random = new Random(15);
        var dense = new Dense(2 * 3 * 2, 4);
        Randomize(dense, random);
        var x = new Tensor(TestData.Uniform(random, 3 * 12), 3, 2, 3, 2);

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(dense, x, random);

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Fact]
    public void Flatten_Backward_MatchesFiniteDifferences()
    {
        var random = new Random(16);

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(new Flatten(), new Tensor(TestData.Uniform(random, 2 * 3 * 4 * 5), 2, 3, 4, 5), random);

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Fact]
    public void Dropout_TrainingBackward_MatchesFiniteDifferencesWithTheSameMask()
    {
        var random = new Random(17);
        var dropout = new Dropout(0.4);
        var x = new Tensor(TestData.Uniform(random, 5 * 23), 5, 23);

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(dropout, x, random, training: true, beforeForward: () => dropout.Reseed(99));

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Fact]
    public void SoftmaxCrossEntropy_Backward_MatchesFiniteDifferences()
    {
        var random = new Random(18);
        var loss = new SoftmaxCrossEntropy();
        var logits = new Tensor(TestData.Uniform(random, 4 * 7, -3, 3), 4, 7);
        int[] labels = [0, 6, 3, 3];
        loss.Forward(logits, labels);
        float[] analytic = (float[])loss.Backward().Data.Clone();

        GradientCheckResult dz = GradientCheck.Check("softmax-CE dz", () => loss.Forward(logits, labels), logits.Data, analytic, 1e-2, 1e-4, 1e-2);

        Assert.True(dz.WorstRatio <= 1, dz.ToString());
    }

    [Fact]
    public void Sequential_InputGradientThroughTheLoss_MatchesFiniteDifferences()
    {
        // A small LeNet-shaped model on non-square 11×9 inputs: conv (stride 2, padding 1), ReLU, pool, conv, flatten, dense.
        var random = new Random(19);
        var model = new Sequential()
            .Add("conv1", new Conv2d(1, 4, 3, stride: 2, padding: 1))
            .Add("relu1", new ReLU())
            .Add("pool1", new MaxPool2d(2))
            .Add("conv2", new Conv2d(4, 6, 2))
            .Add("relu2", new ReLU())
            .Add("flatten", new Flatten())
            .Add("fc1", new Dense(6 * 2 * 1, 5));
        model.Initialize(seed: 3);
        var x = new Tensor(TestData.Uniform(random, 3 * 11 * 9, 0, 1), 3, 1, 11, 9);
        int[] labels = [1, 4, 0];
        var loss = new SoftmaxCrossEntropy();
        model.ZeroGradients();
        loss.Forward(model.Forward(x, training: false), labels);
        float[] dx = (float[])model.Backward(loss.Backward())!.Data.Clone();
        float[] dConv1 = (float[])model.GetParameter("conv1.weight").Gradient.Data.Clone();

        double Loss() => loss.Forward(model.Forward(x, training: false), labels);

        // h = 1e-3: small enough that no ReLU or pooling window changes branch for this seed.
        GradientCheckResult input = GradientCheck.Check("Sequential dL/dx", Loss, x.Data, dx, 1e-3, 2e-4, 2e-2);
        GradientCheckResult weight = GradientCheck.Check("Sequential dL/dconv1.weight", Loss, model.GetParameter("conv1.weight").Value.Data, dConv1, 1e-3, 2e-4, 2e-2);

        Assert.True(input.WorstRatio <= 1, input.ToString());
        Assert.True(weight.WorstRatio <= 1, weight.ToString());
    }

    private static void Randomize(Layer layer, Random random)
    {
        foreach (Parameter p in layer.Parameters)
        {
            TestData.Uniform(random, p.Value.Length).CopyTo(p.Value.Span);
        }
    }

    /// <summary>A shuffled arithmetic sequence: every pair of values differs by at least 0.05, so no pooling tie is within ±h.</summary>
    private static float[] DistinctValues(Random random, int length)
    {
        float[] values = Enumerable.Range(0, length).Select(i => -1f + 0.05f * i).ToArray();
        random.Shuffle(values);
        return values;
    }
}
