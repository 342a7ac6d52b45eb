// README example: begin
using System.Numerics.Tensors;
using MiniNetFgsm;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;
// README example: end

namespace MiniNetFgsm.Tests.Docs;

/// <summary>
/// The C# example of README.md's "Use as a library", line for line: the lines between the marker comments are the
/// README's code block (<see cref="ReadmeExampleTests"/> checks that the two are identical, then runs this).
/// </summary>
internal static class ReadmeExample
{
    /// <summary>Runs the example (it prints one accuracy line per eps) and hands back what it computed for the test to check.</summary>
    public static (Tensor X, Tensor Gradient, int[] Labels) Run()
    {
        // README example: begin
        // MNIST from data/mnist, found from the working directory upwards (the IDX files, checksums verified).
        MnistDataset mnist = MnistDataset.Load(MnistDataset.FindDefaultDirectory() ?? "data/mnist");
        LabeledImages test = mnist.Test.Subset(0, 1_000);

        // The demo's LeNet if it is there, else a quick one: one epoch on the first 10,000 training images.
        Sequential model;
        if (File.Exists("out/lenet.safetensors"))
        {
            model = ModelFile.Load("out/lenet.safetensors").Model;
        }
        else
        {
            model = ModelZoo.Create(ModelZoo.LeNet, seed: 1);
            Trainer.Train(model, mnist.Train.Subset(0, 10_000), test: null, new TrainingOptions { Epochs = 1, LearningRate = 0.003f });
        }

        // The 1,000 test images as one batch: x is (N, 1, 28, 28), pixels in [0, 1].
        var x = new Tensor(test.Count, 1, test.Rows, test.Cols);
        int[] labels = new int[test.Count];
        test.CopyImagesTo(0, test.Count, x.Span);
        test.CopyLabelsTo(0, test.Count, labels);

        // ∇x L (N, 1, 28, 28): forward, softmax cross-entropy, backward all the way to the pixels.
        var fgsm = new Fgsm(model);
        Tensor gradient = fgsm.InputGradient(x, labels);

        // FGSM at several eps from that one gradient: x_adv = clamp(x + eps · sign(∇x L), 0, 1).
        foreach (float eps in new[] { 0f, 0.1f, 0.2f, 0.3f })
        {
            Tensor adversarial = fgsm.Perturb(x, gradient, eps);
            Tensor logits = model.Forward(adversarial, training: false);   // (N, 10)
            int correct = Enumerable.Range(0, test.Count)
                .Count(n => TensorPrimitives.IndexOfMax(logits.Span.Slice(n * 10, 10)) == labels[n]);
            Console.WriteLine($"eps {eps:0.00}: accuracy {correct / (double)test.Count:P1}");
        }
        // README example: end

        return (x, gradient, labels);
    }
}
