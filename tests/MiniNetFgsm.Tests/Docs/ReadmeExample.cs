// README example: begin
using MiniNetFgsm;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
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
        // MNIST from $MININET_DATA, else data/mnist found from the working directory upwards (checksums verified).
        MnistDataset mnist = MnistDataset.Load(MnistDataset.FindDefaultDirectory() ?? "data/mnist");
        LabeledImages test = mnist.Test.Subset(0, 1_000);

        // The demo's LeNet if it is there, else a quick one: one epoch on the first 10,000 training images.
        bool saved = File.Exists("out/lenet.safetensors");
        var model = saved ? ModelFile.Load("out/lenet.safetensors").Model : ModelZoo.Create(ModelZoo.LeNet, seed: 1);
        if (!saved)
        {
            Trainer.Train(model, mnist.Train.Subset(0, 10_000), test: null, new TrainingOptions { Epochs = 1, LearningRate = 0.003f });
        }

        // x is (N, 1, 28, 28), pixels in [0, 1]. Predict returns new arrays: labels (N) and softmax probabilities (N, 10).
        Tensor x = test.ToTensor();
        int[] labels = test.ToLabelArray();
        Prediction clean = model.Predict(x);
        Console.WriteLine($"clean: accuracy {clean.Accuracy(labels):P1}, first image {clean.Labels[0]} ({clean.Confidence(0):P0} sure)");

        // FGSM, x_adv = clamp(x + eps · sign(∇x L), 0, 1), at four eps (Targeted, Bim and Pgd take the same call).
        IReadOnlyList<AttackResult> results = Attack.Run(model, x, labels, [0f, 0.1f, 0.2f, 0.3f], new AttackOptions { Method = AttackMethod.Fgsm });
        foreach (AttackResult r in results)
        {
            Console.WriteLine($"eps {r.Epsilon:0.00}: accuracy {r.Prediction.Accuracy(labels):P1}");
        }

        // The low-level API beneath: ∇x L (N, 1, 28, 28), in a buffer the model overwrites on its next backward pass.
        Tensor gradient = new Fgsm(model).InputGradient(x, labels);
        Console.WriteLine($"mean |∇x L| = {gradient.Data.Average(MathF.Abs):0.00e0}; {results[^1].SuccessRate:P1} fooled at eps 0.30");
        // README example: end

        return (x, gradient, labels);
    }
}
