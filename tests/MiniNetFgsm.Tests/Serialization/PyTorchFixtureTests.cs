using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Serialization;

/// <summary>
/// Our layers against PyTorch, on fixtures written by <c>Fixtures/pytorch/make_fixtures.py</c>: a randomly initialised model
/// (lenet: PyTorch's model file; mnist-cnn: weights from a hash formula both sides compute) and, for the first 16 MNIST test images, PyTorch's eval-mode logits, mean cross-entropy loss,
/// dL/d(input) and the FGSM image clamp(x + 0.1·sign(dL/dx), 0, 1).
/// </summary>
public class PyTorchFixtureTests(ITestOutputHelper output)
{
    private const float Epsilon = 0.1f;

    /// <summary>Elements whose PyTorch gradient is this small may round to either sign; sign checks skip them.</summary>
    private const float SignThreshold = 1e-6f;

    public static TheoryData<string> Architectures => ["lenet", "mnist-cnn"];

    [Fact]
    public void Load_PyTorchModelFile_HasItsArchitectureAndStateDictOrder()
    {
        string path = Fixture("lenet_random.safetensors");

        LoadedModel loaded = ModelFile.Load(path);

        Assert.Equal("lenet", loaded.Architecture);
        Assert.Equal(
            SafeTensors.Read(path).Tensors.Select(t => t.Name),
            loaded.Model.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void MnistCnn_ParameterNamesAndShapes_ArePyTorchStateDict()
    {
        // mnist-cnn has no model file among the fixtures (4.8 MB); PyTorch recorded its state_dict in the io file.
        string recorded = SafeTensors.Read(Fixture("mnist-cnn_io.safetensors")).Metadata["state_dict"];

        string ours = string.Join(",", ModelZoo.Create(ModelZoo.MnistCnn).Parameters.Select(p => $"{p.Name}[{string.Join(",", p.Value.Shape)}]"));

        Assert.Equal(recorded, ours);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Forward_PyTorchWeightsInEvalMode_GivesPyTorchLogits(string architecture)
    {
        var (model, io) = LoadFixture(architecture);

        Tensor logits = model.Forward(io["input"], training: false);

        double diff = MaxAbsDifference(logits.Span, io["logits"].Span);
        output.WriteLine($"{architecture}: max |logit − PyTorch logit| = {diff:E3} (max |logit| = {MaxAbs(io["logits"].Span):G4})");
        Assert.True(io["logits"].HasShape(logits.Shape));
        Assert.True(diff <= 1e-4, $"max logit difference {diff:E3} > 1e-4");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void SoftmaxCrossEntropy_PyTorchLogits_GivesPyTorchLoss(string architecture)
    {
        var (model, io) = LoadFixture(architecture);
        var loss = new SoftmaxCrossEntropy();

        float value = loss.Forward(model.Forward(io["input"], training: false), Labels(io));

        float expected = io["loss"].Span[0];
        output.WriteLine($"{architecture}: loss {value:R} vs PyTorch {expected:R}, |diff| = {Math.Abs(value - expected):E3}");
        Assert.True(Math.Abs(value - expected) <= 1e-5, $"loss {value} vs PyTorch {expected}");
    }

    /// <summary>
    /// dL/dx = Sequential.Backward(SoftmaxCrossEntropy.Backward()). Value tolerance: |ours − PyTorch| ≤ 1e-4·max|PyTorch| + 1e-3·|PyTorch|
    /// per element (float32 sums in a different order); the sign must agree wherever |PyTorch| &gt; 1e-6.
    /// </summary>
    [Theory]
    [MemberData(nameof(Architectures))]
    public void Backward_PyTorchWeights_GivesPyTorchInputGradient(string architecture)
    {
        var (model, io) = LoadFixture(architecture);

        Tensor gradient = InputGradient(model, io);

        ReadOnlySpan<float> ours = gradient.Span, theirs = io["input_grad"].Span;
        Assert.Equal(theirs.Length, ours.Length);
        double scale = MaxAbs(theirs);
        int checkedSigns = 0, signMismatches = 0, valueMismatches = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            if (Math.Abs(ours[i] - theirs[i]) > 1e-4 * scale + 1e-3 * Math.Abs(theirs[i]))
            {
                valueMismatches++;
            }

            if (Math.Abs(theirs[i]) > SignThreshold)
            {
                checkedSigns++;
                signMismatches += Math.Sign(ours[i]) != Math.Sign(theirs[i]) ? 1 : 0;
            }
        }

        output.WriteLine($"{architecture}: max |dL/dx − PyTorch| = {MaxAbsDifference(ours, theirs):E3} (max |PyTorch| = {scale:E3}); " +
            $"signs checked at {checkedSigns} of {ours.Length} elements");
        Assert.Equal(0, valueMismatches);
        Assert.Equal(0, signMismatches);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Fgsm_PyTorchWeights_GivesPyTorchAdversarialImage(string architecture)
    {
        var (model, io) = LoadFixture(architecture);
        Tensor x = io["input"];
        float[] gradient = InputGradient(model, io).Data.ToArray();

        float[] adversarial = new float[x.Length];
        for (int i = 0; i < adversarial.Length; i++)
        {
            adversarial[i] = Math.Clamp(x.Data[i] + Epsilon * MathF.Sign(gradient[i]), 0f, 1f);  // MathF.Sign(0) = 0
        }

        ReadOnlySpan<float> theirs = io["fgsm_eps0.1"].Span, theirGradient = io["input_grad"].Span;
        int compared = 0, tinyGradients = 0, tinyMatches = 0;
        for (int i = 0; i < adversarial.Length; i++)
        {
            if (Math.Abs(theirGradient[i]) > SignThreshold)
            {
                compared++;
                Assert.True(adversarial[i] == theirs[i], $"element {i}: ours {adversarial[i]:R}, PyTorch {theirs[i]:R}");
            }
            else
            {
                tinyGradients++;
                tinyMatches += adversarial[i] == theirs[i] ? 1 : 0;
            }
        }

        output.WriteLine($"{architecture}: FGSM pixels identical at all {compared} elements with |PyTorch grad| > {SignThreshold} " +
            $"(and, unchecked, at {tinyMatches} of the other {tinyGradients})");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Forward_PyTorchAdversarialImage_GivesPyTorchAdversarialLogits(string architecture)
    {
        var (model, io) = LoadFixture(architecture);

        Tensor logits = model.Forward(io["fgsm_eps0.1"], training: false);

        double diff = MaxAbsDifference(logits.Span, io["fgsm_eps0.1_logits"].Span);
        output.WriteLine($"{architecture}: max |adversarial logit − PyTorch| = {diff:E3}");
        Assert.True(diff <= 1e-4, $"max adversarial logit difference {diff:E3} > 1e-4");
    }

    internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

    private static (Sequential Model, SafeTensorsFile Io) LoadFixture(string architecture)
        => (architecture == ModelZoo.MnistCnn ? HashUniformWeights(ModelZoo.Create(ModelZoo.MnistCnn)) : ModelFile.Load(Fixture($"{architecture}_random.safetensors")).Model,
            SafeTensors.Read(Fixture($"{architecture}_io.safetensors")));

    /// <summary>
    /// make_fixtures.py's hash_uniform_state_dict: parameter k of a layer with fan-in F holds, at element i,
    /// float32((2u − 1) / √F) with u = ((i · 2654435761 + (k + 1) · 40503) mod 2³²) / 2³², in double, so the weights PyTorch
    /// ran are re-created bit for bit without a 4.8 MB file.
    /// </summary>
    internal static Sequential HashUniformWeights(Sequential model)
    {
        double bound = 0;
        for (int k = 0; k < model.Parameters.Count; k++)
        {
            Parameter p = model.Parameters[k];
            if (p.Name.EndsWith(".weight", StringComparison.Ordinal))
            {
                bound = 1.0 / Math.Sqrt(p.Value.Length / p.Value.Shape[0]);
            }

            Span<float> values = p.Value.Span;
            for (int i = 0; i < values.Length; i++)
            {
                double u = (((ulong)i * 2654435761UL + (ulong)(k + 1) * 40503UL) % (1UL << 32)) / 4294967296.0;
                values[i] = (float)((2.0 * u - 1.0) * bound);
            }
        }

        return model;
    }

    private static Tensor InputGradient(Sequential model, SafeTensorsFile io)
    {
        var loss = new SoftmaxCrossEntropy();
        loss.Forward(model.Forward(io["input"], training: false), Labels(io));
        return model.Backward(loss.Backward())!;
    }

    private static int[] Labels(SafeTensorsFile io)
    {
        float[] labels = io["labels"].Data;
        Assert.All(labels, label => Assert.Equal(MathF.Round(label), label));
        return labels.Select(label => (int)label).ToArray();
    }

    internal static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(b.Length, a.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        }

        return worst;
    }

    internal static double MaxAbs(ReadOnlySpan<float> values)
    {
        double worst = 0;
        foreach (float v in values)
        {
            worst = Math.Max(worst, Math.Abs(v));
        }

        return worst;
    }
}
