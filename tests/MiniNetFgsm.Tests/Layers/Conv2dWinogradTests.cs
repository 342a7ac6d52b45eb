using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Layers;

/// <summary>
/// 3×3, stride-1 convolutions too wide for the direct path take Winograd F(2×2, 3×3) for the input gradient, its
/// transpose for the weight gradient, and it for the training forward pass and Infer: they must agree with the unfold +
/// GEMM forward, pass the finite-difference check, and give the same bits for any thread count.
/// </summary>
public class Conv2dWinogradTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void TrainingForward_MatchesTheEvaluationForward(int padding)
    {
        var random = new Random(81 + padding);
        var conv = NewConv(random, padding);
        Assert.False(DirectConv2d.IsFasterForward(6, 3, 3, 1, padding, 21 + 2 * padding - 2));
        var x = new Tensor(TestData.Uniform(random, 2 * 6 * 22 * 21), 2, 6, 22, 21);

        float[] evaluation = conv.Forward(x, training: false).Data.ToArray();
        float[] training = conv.Forward(x, training: true).Data.ToArray();

        Assert.True(TestData.MaxRelativeError(training, evaluation) < 1e-5, $"max relative error {TestData.MaxRelativeError(training, evaluation)}");
        Assert.NotEqual(evaluation, training);      // a different rounding: the Winograd path did run
    }

    [Fact]
    public void Infer_RunsWinograd_AndMatchesTheEvaluationForward()
    {
        var random = new Random(84);
        var conv = NewConv(random, padding: 1);
        var x = new Tensor(TestData.Uniform(random, 2 * 6 * 22 * 21), 2, 6, 22, 21);

        float[] evaluation = conv.Forward(x, training: false).Data.ToArray();
        float[] inferred = conv.Infer(x).Data.ToArray();
        float[] training = conv.Forward(x, training: true).Data.ToArray();

        Assert.Equal(training, inferred);       // the same Winograd pass
        Assert.NotEqual(evaluation, inferred);
        Assert.True(TestData.MaxRelativeError(inferred, evaluation) < 1e-5, $"max relative error {TestData.MaxRelativeError(inferred, evaluation)}");
    }

    [Theory]
    [InlineData("mnist-cnn")]
    [InlineData("lenet")]
    public void SequentialInfer_AgreesWithTheEvaluationForward(string architecture)
    {
        var random = new Random(85);
        Sequential model = MiniNetFgsm.Models.ModelZoo.Create(architecture, seed: 3);
        var x = new Tensor(TestData.Uniform(random, 5 * 28 * 28, 0f, 1f), 5, 1, 28, 28);

        float[] forward = model.Forward(x, training: false).Data.ToArray();
        float[] predicted = model.Infer(x).Data.ToArray();

        if (architecture == "lenet")
        {
            Assert.Equal(forward, predicted);       // no 3×3 layer: the same path
        }
        else
        {
            Assert.True(TestData.MaxRelativeError(predicted, forward) < 1e-5, $"max relative error {TestData.MaxRelativeError(predicted, forward)}");
        }
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void Backward_MatchesFiniteDifferences(int padding, bool training)
    {
        var random = new Random(82 + padding);
        var conv = NewConv(random, padding);
        var x = new Tensor(TestData.Uniform(random, 2 * 6 * 22 * 21), 2, 6, 22, 21);

        IReadOnlyList<GradientCheckResult> results = GradientCheck.CheckLayer(conv, x, random, training);

        Assert.All(results, r => Assert.True(r.WorstRatio <= 1, r.ToString()));
    }

    [Fact]
    public void TwoThreads_GiveTheSameBitsAsOne()
    {
        var random = new Random(86);
        var x = new Tensor(TestData.Uniform(random, 3 * 6 * 22 * 21), 3, 6, 22, 21);
        float[] dy = TestData.Uniform(random, 3 * 5 * 20 * 19);
        (float[] Y, float[] Dx, float[] Dw, float[] Db)[] results = new (float[], float[], float[], float[])[2];
        for (int threads = 1; threads <= 2; threads++)
        {
            var conv = NewConv(new Random(87), padding: 0);
            conv.Threads = threads;
            float[] y = conv.Forward(x, training: true).Data.ToArray();
            float[] dx = conv.Backward(new Tensor(dy, 3, 5, 20, 19))!.Data.ToArray();
            results[threads - 1] = (y, dx, conv.Weight.Gradient.Data.ToArray(), conv.Bias!.Gradient.Data.ToArray());
        }

        Assert.Equal(results[0].Y.Select(BitConverter.SingleToInt32Bits), results[1].Y.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(results[0].Dx.Select(BitConverter.SingleToInt32Bits), results[1].Dx.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(results[0].Dw.Select(BitConverter.SingleToInt32Bits), results[1].Dw.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(results[0].Db.Select(BitConverter.SingleToInt32Bits), results[1].Db.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(results[0].Dw, v => v != 0f);
    }

    [Fact]
    public void EmptyBatch_AddsNothingToTheGradients()
    {
        var random = new Random(88);
        var conv = NewConv(random, padding: 0);
        var x = new Tensor(TestData.Uniform(random, 6 * 22 * 21), 1, 6, 22, 21);
        conv.Forward(x, training: true);
        conv.Backward(new Tensor(TestData.Uniform(random, 5 * 20 * 19), 1, 5, 20, 19));
        float[] before = conv.Weight.Gradient.Data.ToArray();

        conv.Forward(new Tensor(0, 6, 22, 21), training: true);
        conv.Backward(new Tensor(0, 5, 20, 19));

        Assert.Equal(before, conv.Weight.Gradient.Data);
    }

    [Fact]
    public void InputGradient_ShapeChanges_KeepTheZeroBorder()
    {
        // The padded dy buffer is reused between calls; a new plane size must not read an old border.
        var random = new Random(83);
        var conv = NewConv(random, padding: 0);
        foreach ((int h, int w) in new[] { (22, 21), (21, 22), (22, 21) })
        {
            var x = new Tensor(TestData.Uniform(random, 6 * h * w), 1, 6, h, w);
            Tensor y = conv.Forward(x, training: true);
            var dy = new Tensor(TestData.Uniform(random, y.Length), y.Shape);
            float[] dx = conv.Backward(dy, needParameterGradients: false)!.Data.ToArray();

            var shape = new ConvShape(1, 6, h, w, 5, 3, 3);
            float[] expected = new float[dx.Length];
            DirectConv2d.BackwardInputReference(conv.Weight.Value.Span, dy.Span, expected, shape);
            Assert.True(TestData.MaxRelativeError(dx, expected) < 1e-5, $"{h}x{w}: max relative error {TestData.MaxRelativeError(dx, expected)}");
        }
    }

    private static Conv2d NewConv(Random random, int padding)
    {
        // 54 taps and rows 20 wide: neither direct path takes it.
        var conv = new Conv2d(6, 5, 3, 1, padding);
        TestData.Uniform(random, conv.Weight.Value.Length).CopyTo(conv.Weight.Value.Span);
        TestData.Uniform(random, 5).CopyTo(conv.Bias!.Value.Span);
        return conv;
    }
}
