using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Reference;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Tests.Serialization;
using MiniNetFgsm.Tests.Training;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Reference;

/// <summary>
/// The reference model against PyTorch (the fixtures of <see cref="PyTorchFixtureTests"/>: the first 16 MNIST test
/// images through a randomly initialised lenet and mnist-cnn) and against the fast model.
/// </summary>
public class ReferenceModelTests(ITestOutputHelper output)
{
    private const float Epsilon = 0.1f;

    /// <summary>Elements whose PyTorch gradient is this small may round to either sign; sign checks skip them.</summary>
    private const float SignThreshold = 1e-6f;

    public static TheoryData<string> Architectures => [ModelZoo.LeNet, ModelZoo.MnistCnn];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void ReferenceModel_PyTorchWeights_GivesPyTorchLogitsLossInputGradientAndFgsmPixels(string architecture)
    {
        (ReferenceModel model, SafeTensorsFile io) = LoadFixture(architecture);
        float[] x = io["input"].Data;
        int[] labels = [.. io["labels"].Data.Select(l => (int)l)];

        (float[] gradient, float[] logits) = model.InputGradient(x, labels);
        float loss = MiniNetFgsm.Reference.SoftmaxCrossEntropy.Forward(logits, labels, labels.Length, 10);
        float[] adversarial = ReferenceModel.Perturb(x, gradient, Epsilon);
        float[] adversarialLogits = model.Forward(adversarial, labels.Length);

        ReadOnlySpan<float> theirGradient = io["input_grad"].Span, theirAdversarial = io["fgsm_eps0.1"].Span;
        double scale = PyTorchFixtureTests.MaxAbs(theirGradient);
        int valueMismatches = 0, signMismatches = 0, pixelMismatches = 0, checkedSigns = 0;
        for (int i = 0; i < gradient.Length; i++)
        {
            valueMismatches += Math.Abs(gradient[i] - theirGradient[i]) > 1e-4 * scale + 1e-3 * Math.Abs(theirGradient[i]) ? 1 : 0;
            if (Math.Abs(theirGradient[i]) > SignThreshold)
            {
                checkedSigns++;
                signMismatches += Math.Sign(gradient[i]) != Math.Sign(theirGradient[i]) ? 1 : 0;
                pixelMismatches += adversarial[i] != theirAdversarial[i] ? 1 : 0;
            }
        }

        double logitDifference = PyTorchFixtureTests.MaxAbsDifference(logits, io["logits"].Span);
        double adversarialDifference = PyTorchFixtureTests.MaxAbsDifference(adversarialLogits, io["fgsm_eps0.1_logits"].Span);
        output.WriteLine($"{architecture}: max |logit − PyTorch| {logitDifference:E3}, loss {loss:R} vs {io["loss"].Span[0]:R}, " +
            $"max |dL/dx − PyTorch| {PyTorchFixtureTests.MaxAbsDifference(gradient, theirGradient):E3} (max |PyTorch| {scale:E3}), signs and FGSM pixels checked at " +
            $"{checkedSigns} of {gradient.Length}, max |adversarial logit − PyTorch| {adversarialDifference:E3}");
        Assert.True(logitDifference <= 1e-4, "forward pass: logits differ from PyTorch's by " + logitDifference);
        Assert.True(Math.Abs(loss - io["loss"].Span[0]) <= 1e-5, $"loss {loss} vs PyTorch {io["loss"].Span[0]}");
        Assert.True(valueMismatches == 0, $"backward pass: {valueMismatches} input-gradient values differ from PyTorch's");
        Assert.True(signMismatches == 0, $"backward pass: {signMismatches} input-gradient signs differ from PyTorch's");
        Assert.True(pixelMismatches == 0, $"FGSM: {pixelMismatches} adversarial pixels differ from PyTorch's");
        Assert.True(adversarialDifference <= 1e-4, "adversarial logits differ from PyTorch's by " + adversarialDifference);
    }

    [Fact]
    public void ReferenceModel_LeNetLayers_MirrorTheFastModelsNamesAndShapes()
    {
        Sequential fast = ModelZoo.Create(ModelZoo.LeNet);

        ReferenceModel model = ReferenceModel.FromWeights(ModelZoo.LeNet, fast);

        Assert.Equal(fast.Layers.Select(l => l.Name), model.Layers.Select(l => l.Name));
        int[] shape = [3, 1, 28, 28];
        foreach (ReferenceLayer layer in model.Layers)
        {
            shape = layer.OutputShape(shape);
        }

        Assert.Equal(fast.OutputShape([3, 1, 28, 28]), shape);
        float[] x = TestData.Uniform(new Random(5), 3 * 784, 0, 1);
        Assert.Equal(MiniNetFgsm.Reference.SoftmaxCrossEntropy.Forward(model.Forward(x, 3), [1, 2, 3], 3, 10), model.Loss(x, [1, 2, 3]));
    }

    [Fact]
    public void ReferenceModel_MnistCnn_RunsPyTorchsReLUBeforePoolWhereTheFastModelPoolsFirst()
    {
        ReferenceModel model = ReferenceModel.FromWeights(ModelZoo.MnistCnn, ModelZoo.Create(ModelZoo.MnistCnn));

        Assert.Equal(["conv1", "relu1", "conv2", "relu2", "pool1", "drop1", "flatten", "fc1", "relu3", "drop2", "fc2"], model.Layers.Select(l => l.Name));
    }

    [Fact]
    public void ReferenceModel_TrainedLeNet_AgreesWithTheFastModelOnLogitsAndInputGradient()
    {
        Sequential fast = TrainedLeNet.Create();
        ReferenceModel model = ReferenceModel.FromWeights(ModelZoo.LeNet, fast);
        LabeledImages data = Mnist.Test(64);
        var x = new float[64 * 784];
        var labels = new int[64];
        data.CopyImagesTo(0, 64, x);
        data.CopyLabelsTo(0, 64, labels);
        var fgsm = new Fgsm(fast);

        float[] fastGradient = fgsm.InputGradient(new Tensor(x, 64, 1, 28, 28), labels).Span.ToArray();
        float[] fastLogits = fgsm.Logits!.Span.ToArray();
        (float[] gradient, float[] logits) = model.InputGradient(x, labels);

        Assert.Null(Oracle.Compare("logits", fastLogits, logits, 1e-5));
        Assert.Null(Oracle.Compare("dL/dx", fastGradient, gradient, 1e-4));
    }

    /// <summary>
    /// The acceptance check of the reference path: on the PyTorch-trained LeNet, the reference FGSM sweep's correct count
    /// equals the fast one's within one image at every eps (the two sum in different orders, so a pixel whose gradient is
    /// within rounding of 0 can take another sign). Measured on 500 images with the CLI: see the commit.
    /// </summary>
    [Fact]
    public void ReferenceFgsmSweep_PyTorchTrainedLeNet_CorrectWithinOneImageOfTheFastSweepAtEveryEps()
    {
        LoadedModel loaded = ModelFile.Load(PyTorchFixtureTests.Fixture("lenet_pytorch.safetensors"));
        LabeledImages data = Mnist.Test(120);

        IReadOnlyList<FgsmSweepRow> fast = FgsmSweep.Run(loaded.Model, data, FgsmSweep.DefaultEpsilons);
        IReadOnlyList<FgsmSweepRow> reference = ReferenceSweep.Fgsm(ReferenceModel.FromWeights(loaded.Architecture, loaded.Model), data, FgsmSweep.DefaultEpsilons);

        Assert.Equal(fast.Count, reference.Count);
        for (int k = 0; k < fast.Count; k++)
        {
            output.WriteLine($"eps {fast[k].Epsilon:0.00}: fast {fast[k].Correct}, reference {reference[k].Correct} of {data.Count}; " +
                $"mean confidence {fast[k].MeanAdversarialConfidence:0.0000} vs {reference[k].MeanAdversarialConfidence:0.0000}");
            Assert.Equal(fast[k].Epsilon, reference[k].Epsilon);
            Assert.Equal(data.Count, reference[k].Total);
            Assert.True(Math.Abs(fast[k].Correct - reference[k].Correct) <= 1, $"eps {fast[k].Epsilon}: fast {fast[k].Correct}, reference {reference[k].Correct}");
            Assert.Equal(fast[k].MeanAdversarialConfidence, reference[k].MeanAdversarialConfidence, 2);
        }
    }

    [Fact]
    public void ReferenceEvaluate_PyTorchTrainedLeNet_EqualsTheFastEvaluator()
    {
        LoadedModel loaded = ModelFile.Load(PyTorchFixtureTests.Fixture("lenet_pytorch.safetensors"));
        LabeledImages data = Mnist.Test(300);

        EvaluationResult fast = Evaluator.Evaluate(loaded.Model, data);
        EvaluationResult reference = ReferenceSweep.Evaluate(ReferenceModel.FromWeights(loaded.Architecture, loaded.Model), data);

        output.WriteLine($"fast {fast.Correct}, reference {reference.Correct} of {data.Count}");
        Assert.Equal(fast.Total, reference.Total);
        Assert.True(Math.Abs(fast.Correct - reference.Correct) <= 1, $"fast {fast.Correct}, reference {reference.Correct}");
        Assert.Equal(data.Count, reference.Confusion.Cast<int>().Sum());
    }

    private static (ReferenceModel Model, SafeTensorsFile Io) LoadFixture(string architecture)
    {
        Sequential weights = architecture == ModelZoo.MnistCnn
            ? PyTorchFixtureTests.HashUniformWeights(ModelZoo.Create(ModelZoo.MnistCnn))
            : ModelFile.Load(PyTorchFixtureTests.Fixture($"{architecture}_random.safetensors")).Model;
        return (ReferenceModel.FromWeights(architecture, weights), SafeTensors.Read(PyTorchFixtureTests.Fixture($"{architecture}_io.safetensors")));
    }
}
