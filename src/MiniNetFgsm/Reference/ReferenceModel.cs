using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Reference;

// Dimensions: N batch, K = 10 classes; images are (N,1,28,28) pixels in [0, 1].

/// <summary>
/// A model run through the textbook layers only: forward to the logits, the mean cross-entropy, backward to the input
/// pixels, and FGSM, <c>x_adv = clamp(x + eps · sign(dL/dx), 0, 1)</c> with sign(0) = 0. It computes what the fast
/// <see cref="Sequential"/> computes, one plain loop at a time, so a student can step through it (set a breakpoint in
/// <see cref="Conv2d.Backward"/>) and tests can use it as the oracle.
/// </summary>
/// <remarks>
/// The layer lists follow PyTorch's <c>forward</c> (tests/MiniNetFgsm.Tests/Fixtures/pytorch/models.py). For mnist-cnn
/// that is conv2 → ReLU → pool, where <see cref="ModelZoo"/> pools first (the same function, on fewer values): the
/// reference keeps PyTorch's order, so the tests that compare the two check that claim too.
/// </remarks>
public sealed class ReferenceModel
{
    /// <summary>Creates a model from its layers, in order; inputs have shape (N, <paramref name="imageShape"/>).</summary>
    public ReferenceModel(IReadOnlyList<ReferenceLayer> layers, params int[] imageShape)
    {
        Layers = layers;
        ImageShape = imageShape;
    }

    /// <summary>The layers, in forward order.</summary>
    public IReadOnlyList<ReferenceLayer> Layers { get; }

    /// <summary>The shape of one input image, e.g. [1, 28, 28].</summary>
    public IReadOnlyList<int> ImageShape { get; }

    /// <summary>Loads a model file (see <see cref="ModelFile.Load(string)"/>) as a reference model.</summary>
    public static ReferenceModel Load(string path)
    {
        LoadedModel loaded = ModelFile.Load(path);
        return FromWeights(loaded.Architecture, loaded.Model);
    }

    /// <summary>
    /// The <see cref="ModelZoo"/> architecture <paramref name="architecture"/>, layer for layer as PyTorch runs it, holding
    /// copies of <paramref name="weights"/>' parameters (found by their <c>state_dict</c> names).
    /// </summary>
    public static ReferenceModel FromWeights(string architecture, Sequential weights)
    {
        float[] P(string name) => weights.GetParameter(name).Value.Span.ToArray();
        return architecture switch
        {
            // conv1 1→10 k5 (28→24); pool 2 (→12); ReLU; conv2 10→20 k5 (→8); dropout; pool 2 (→4); ReLU; flatten (320);
            // fc1 320→50; ReLU; dropout; fc2 50→10
            ModelZoo.LeNet => new ReferenceModel(
            [
                new Conv2dLayer("conv1", P("conv1.weight"), P("conv1.bias"), 1, 10, 5),
                new MaxPool2dLayer("pool1", 2, 2),
                new ReLULayer("relu1"),
                new Conv2dLayer("conv2", P("conv2.weight"), P("conv2.bias"), 10, 20, 5),
                new DropoutLayer("drop1", 0.5),
                new MaxPool2dLayer("pool2", 2, 2),
                new ReLULayer("relu2"),
                new FlattenLayer("flatten"),
                new DenseLayer("fc1", P("fc1.weight"), P("fc1.bias"), 320, 50),
                new ReLULayer("relu3"),
                new DropoutLayer("drop2", 0.5),
                new DenseLayer("fc2", P("fc2.weight"), P("fc2.bias"), 50, 10),
            ], 1, 28, 28),

            // conv1 1→32 k3 (28→26); ReLU; conv2 32→64 k3 (→24); ReLU; pool 2 (→12); dropout; flatten (9216);
            // fc1 9216→128; ReLU; dropout; fc2 128→10
            ModelZoo.MnistCnn => new ReferenceModel(
            [
                new Conv2dLayer("conv1", P("conv1.weight"), P("conv1.bias"), 1, 32, 3),
                new ReLULayer("relu1"),
                new Conv2dLayer("conv2", P("conv2.weight"), P("conv2.bias"), 32, 64, 3),
                new ReLULayer("relu2"),
                new MaxPool2dLayer("pool1", 2, 2),
                new DropoutLayer("drop1", 0.25),
                new FlattenLayer("flatten"),
                new DenseLayer("fc1", P("fc1.weight"), P("fc1.bias"), 9216, 128),
                new ReLULayer("relu3"),
                new DropoutLayer("drop2", 0.5),
                new DenseLayer("fc2", P("fc2.weight"), P("fc2.bias"), 128, 10),
            ], 1, 28, 28),
            _ => throw new ArgumentException($"Unknown model '{architecture}'; expected one of: {string.Join(", ", ModelZoo.Architectures)}.", nameof(architecture)),
        };
    }

    /// <summary>The logits (N,K) of <paramref name="n"/> images x (N, image shape), in evaluation mode.</summary>
    public float[] Forward(float[] x, int n) => Run(x, n).Activations[^1];

    /// <summary>The mean cross-entropy of the logits against <paramref name="labels"/>.</summary>
    public float Loss(float[] x, int[] labels) => SoftmaxCrossEntropy.Forward(Forward(x, labels.Length), labels, labels.Length, Classes);

    /// <summary>
    /// dL/dx (N, image shape) for the mean cross-entropy L against <paramref name="labels"/>: forward, loss, then every
    /// layer's backward in reverse. Also returns the clean logits (N,K), which the forward computed on the way.
    /// </summary>
    public (float[] InputGradient, float[] Logits) InputGradient(float[] x, int[] labels)
    {
        int n = labels.Length;
        (List<float[]> activations, List<int[]> shapes) = Run(x, n);
        float[] gradient = SoftmaxCrossEntropy.Backward(activations[^1], labels, n, Classes);   // dL/dlogits is (N,K)
        for (int i = Layers.Count - 1; i >= 0; i--)
        {
            // activations[i] is layer i's input, shapes[i] its shape; gradient becomes dL/d(activations[i])
            gradient = Layers[i].Backward(gradient, activations[i], shapes[i]);
        }

        return (gradient, activations[^1]);
    }

    /// <summary>FGSM: x_adv = clamp(x + eps · sign(g), 0, 1) for the gradient g = dL/dx, with sign(0) = 0. A new array.</summary>
    public static float[] Perturb(float[] x, float[] gradient, float eps)
    {
        var adversarial = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            adversarial[i] = Math.Clamp(x[i] + eps * MathF.Sign(gradient[i]), 0f, 1f);
        }

        return adversarial;
    }

    /// <summary>The whole FGSM attack on a batch: the gradient at x against the true labels, then one signed step.</summary>
    public float[] Fgsm(float[] x, int[] labels, float eps) => Perturb(x, InputGradient(x, labels).InputGradient, eps);

    /// <summary>For each row of logits (N,K): the predicted class argmax (first on ties) and its softmax probability.</summary>
    public static (int[] Predicted, float[] Confidence) Predict(float[] logits, int n)
    {
        var predicted = new int[n];
        var confidence = new float[n];
        for (int b = 0; b < n; b++)
        {
            int best = 0;
            for (int j = 1; j < Classes; j++)
            {
                best = logits[b * Classes + j] > logits[b * Classes + best] ? j : best;
            }

            float sum = 0f;
            for (int j = 0; j < Classes; j++)
            {
                sum += MathF.Exp(logits[b * Classes + j] - logits[b * Classes + best]);
            }

            predicted[b] = best;
            confidence[b] = 1f / sum;
        }

        return (predicted, confidence);
    }

    private const int Classes = 10;

    /// <summary>Forward through every layer, keeping each layer's input and shape (and the logits last).</summary>
    private (List<float[]> Activations, List<int[]> Shapes) Run(float[] x, int n)
    {
        List<float[]> activations = [x];
        List<int[]> shapes = [[n, .. ImageShape]];
        if (x.Length != shapes[0].Aggregate(1, (a, b) => a * b))
        {
            throw new ArgumentException($"{x.Length} values are not {n} images of shape [{string.Join(", ", ImageShape)}].", nameof(x));
        }

        foreach (ReferenceLayer layer in Layers)
        {
            activations.Add(layer.Forward(activations[^1], shapes[^1]));
            shapes.Add(layer.OutputShape(shapes[^1]));
        }

        return (activations, shapes);
    }
}
