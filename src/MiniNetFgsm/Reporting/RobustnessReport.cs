using System.Diagnostics;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Imaging;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Reporting;

/// <summary>Measures everything the robustness report shows, with the library's own sweeps and searches.</summary>
public static class RobustnessReport
{
    /// <summary>The phases <see cref="Compute"/> reports progress for, in order.</summary>
    public const string EvaluatePhase = "clean evaluation", MinimalPhase = "minimal eps search", ConfusionPhase = "FGSM confusion";

    /// <summary>
    /// Evaluates <paramref name="model"/> on <paramref name="data"/>, sweeps every method over every eps
    /// (<see cref="AttackSweep"/>), searches every image's minimal FGSM eps (<see cref="MinimalFgsm"/>), builds the FGSM
    /// confusion matrix at one eps, and attacks the example images.
    /// </summary>
    /// <param name="model">The attacked model; its <see cref="Sequential.Threads"/> sets the parallelism.</param>
    /// <param name="architecture">Its architecture; LeNet gets the PyTorch tutorial's accuracies as a reference.</param>
    /// <param name="modelName">A name shown in the report.</param>
    /// <param name="data">Test images and labels.</param>
    /// <param name="options">What to measure.</param>
    /// <param name="history">The model's training history, if known.</param>
    /// <param name="progress">Given a phase name and its total, returns a reporter for it (or null).</param>
    public static ReportData Compute(
        Sequential model, string architecture, string modelName, LabeledImages data, ReportOptions options,
        TrainingHistory? history = null, Func<string, int, IProgress<int>?>? progress = null)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        progress?.Invoke(EvaluatePhase, data.Count)?.Report(0);
        EvaluationResult clean = Evaluator.Evaluate(model, data);
        progress?.Invoke(EvaluatePhase, data.Count)?.Report(data.Count);

        var sweeps = new List<MethodSweep>();
        foreach (AttackMethod method in options.Methods)
        {
            var sweepClock = Stopwatch.StartNew();
            AttackOptions attack = options.Attack with { Method = method, Restarts = method == AttackMethod.Pgd ? options.Attack.Restarts : 1 };
            IReadOnlyList<AttackSweepRow> rows = AttackSweep.Run(
                model, data, options.Epsilons, attack, progress: progress?.Invoke($"{method.ToString().ToLowerInvariant()} sweep", data.Count));
            sweeps.Add(new MethodSweep(method, rows, sweepClock.Elapsed.TotalSeconds));
        }

        MinimalFgsmResult minimal = MinimalFgsm.Search(
            model, data, options.MaxK, progress: progress?.Invoke(MinimalPhase, options.MaxK), exactEpsilons: options.Epsilons);
        EvaluationResult adversarial = FgsmConfusion(model, data, options.ConfusionEpsilon, progress?.Invoke(ConfusionPhase, data.Count));
        IReadOnlyList<ExampleImage> examples = AttackExamples(model, data, minimal, options.Epsilons, SelectExamples(minimal, options.Examples));
        return new ReportData
        {
            Architecture = architecture,
            ModelName = modelName,
            Options = options,
            Images = data.Count,
            Rows = data.Rows,
            Cols = data.Cols,
            Clean = clean,
            Adversarial = adversarial,
            Sweeps = sweeps,
            Minimal = minimal,
            Examples = examples,
            Reference = architecture == ModelZoo.LeNet ? TutorialReference.LeNetAccuracy : [],
            History = history,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// The example images: the first ones (in data order) that the model classifies correctly and that some FGSM step
    /// fools, one per class while there are classes left, so the grid shows different digits; then any others.
    /// </summary>
    public static IReadOnlyList<int> SelectExamples(MinimalFgsmResult minimal, int count)
    {
        var chosen = new List<int>();
        var classes = new HashSet<int>();
        foreach (MinimalEpsilon r in minimal.Images.Where(r => r.MinK >= 1))
        {
            if (chosen.Count < count && classes.Add(r.Label))
            {
                chosen.Add(r.Index);
            }
        }

        foreach (MinimalEpsilon r in minimal.Images.Where(r => r.MinK != 0 && !chosen.Contains(r.Index)))
        {
            if (chosen.Count < count)
            {
                chosen.Add(r.Index);
            }
        }

        return chosen;
    }

    /// <summary>
    /// FGSM at every eps on the images at <paramref name="indices"/>, in one batch: the tiles of the example grid, each
    /// with the prediction and confidence the model gives x_adv.
    /// </summary>
    public static IReadOnlyList<ExampleImage> AttackExamples(Sequential model, LabeledImages data, MinimalFgsmResult minimal, IReadOnlyList<float> epsilons, IReadOnlyList<int> indices)
    {
        if (indices.Count == 0)
        {
            return [];
        }

        int n = indices.Count, pixels = data.PixelsPerImage;
        var batch = new Batch().Fill(data, [.. indices]);
        var fgsm = new Fgsm(model);
        Tensor gradient = fgsm.InputGradient(batch.Images, batch.Labels).Clone();
        var tiles = new List<ExampleTile>[n];
        for (int i = 0; i < n; i++)
        {
            tiles[i] = [];
        }

        int[] predicted = new int[n];
        float[] confidence = new float[n];
        foreach (float eps in epsilons)
        {
            Tensor adversarial = fgsm.Perturb(batch.Images, gradient, eps);
            byte[] bytes = new byte[n * pixels];
            PixelConversion.Quantize(adversarial.Span, bytes);
            Predictions.Compute(model.Forward(adversarial, training: false), predicted, confidence);
            for (int i = 0; i < n; i++)
            {
                tiles[i].Add(new ExampleTile(eps, predicted[i], confidence[i], bytes.AsSpan(i * pixels, pixels).ToArray()));
            }
        }

        return [.. indices.Select((index, i) => new ExampleImage(
            index, data.GetLabel(index), data.GetImage(index).ToArray(), tiles[i], minimal.Images[index], minimal.AdversarialImage(index).ToArray()))];
    }

    /// <summary>
    /// The confusion matrix of the model on FGSM's x_adv at <paramref name="epsilon"/> (each image attacked with its true
    /// label), in the sweep's batches, spread over one replica per thread.
    /// </summary>
    public static EvaluationResult FgsmConfusion(Sequential model, LabeledImages data, float epsilon, IProgress<int>? progress = null, int batchSize = 64)
    {
        using var replicas = new ModelReplicas(model, model.Threads);
        return Evaluator.Confusion(replicas, data, batchSize, r =>
        {
            var fgsm = new Fgsm(replicas[r]);
            return batch => replicas[r].Forward(fgsm.Attack(batch.Images, batch.Labels, epsilon), training: false);
        }, progress);
    }
}
