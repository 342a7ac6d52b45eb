using System.Diagnostics;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Imaging;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Reporting;

/// <summary>What <see cref="RobustnessReport.Compute"/> measures.</summary>
public sealed record ReportOptions
{
    /// <summary>The eps of every sweep and of the example grid's rows.</summary>
    public IReadOnlyList<float> Epsilons { get; init; } = FgsmSweep.DefaultEpsilons;

    /// <summary>The attacks swept (FGSM, BIM, PGD, targeted), each at every eps.</summary>
    public IReadOnlyList<AttackMethod> Methods { get; init; } = [AttackMethod.Fgsm];

    /// <summary>Settings of BIM and PGD (steps, step size, restarts, seed); its method is ignored.</summary>
    public AttackOptions Attack { get; init; } = new();

    /// <summary>Images per row of the example grid.</summary>
    public int Examples { get; init; } = 5;

    /// <summary>The eps of the adversarial confusion matrix.</summary>
    public float ConfusionEpsilon { get; init; } = 0.1f;

    /// <summary>The largest grid step k of the minimal-eps search (eps up to k/255).</summary>
    public int MaxK { get; init; } = MinimalFgsm.MaxGridStep;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epsilons.Count == 0 || Epsilons.Any(e => !(e >= 0f && e <= 1f)))
        {
            throw new ArgumentException("The report needs at least one eps, each in [0, 1].");
        }

        if (Methods.Count == 0 || Methods.Distinct().Count() != Methods.Count)
        {
            throw new ArgumentException("The report needs at least one attack method, each named once.");
        }

        if (Examples is < 1 or > 20)
        {
            throw new ArgumentException($"Examples per row must be in 1..20 (got {Examples}).");
        }

        if (!(ConfusionEpsilon >= 0f && ConfusionEpsilon <= 1f))
        {
            throw new ArgumentException($"The confusion matrix's eps must be in [0, 1] (got {ConfusionEpsilon}).");
        }

        if (MaxK is < 0 or > MinimalFgsm.MaxGridStep)
        {
            throw new ArgumentException($"The minimal search's largest step must be in 0..{MinimalFgsm.MaxGridStep} (got {MaxK}).");
        }

        foreach (AttackMethod method in Methods)
        {
            (Attack with { Method = method, Restarts = method == AttackMethod.Pgd ? Attack.Restarts : 1 }).Validate();
        }
    }
}

/// <summary>One image of the example grid at one eps: FGSM's x_adv and what the model says about it.</summary>
/// <param name="Epsilon">The step size.</param>
/// <param name="Predicted">argmax f(x_adv).</param>
/// <param name="Confidence">softmax(f(x_adv))[Predicted].</param>
/// <param name="Pixels">x_adv quantized to bytes (Rows × Cols).</param>
public sealed record ExampleTile(float Epsilon, int Predicted, float Confidence, byte[] Pixels);

/// <summary>One column of the example grid: a test image, FGSM at every eps, and FGSM at its own minimal eps.</summary>
/// <param name="Index">The image's index in the data set.</param>
/// <param name="Label">Its true class.</param>
/// <param name="Clean">The clean image's bytes.</param>
/// <param name="Tiles">FGSM at each of the report's eps, in order.</param>
/// <param name="Minimal">The minimal-eps search's result for this image.</param>
/// <param name="AtMinimal">The adversarial image at the minimal eps (at the largest step tried when none fooled it).</param>
public sealed record ExampleImage(int Index, int Label, byte[] Clean, IReadOnlyList<ExampleTile> Tiles, MinimalEpsilon Minimal, byte[] AtMinimal);

/// <summary>One attack method's sweep.</summary>
/// <param name="Method">The attack.</param>
/// <param name="Rows">One row per eps.</param>
/// <param name="Seconds">Wall time of the sweep.</param>
public sealed record MethodSweep(AttackMethod Method, IReadOnlyList<AttackSweepRow> Rows, double Seconds);

/// <summary>Everything the figures and the HTML report show, measured by <see cref="RobustnessReport.Compute"/>.</summary>
public sealed record ReportData
{
    /// <summary>The model's architecture (<see cref="ModelZoo.Architectures"/>).</summary>
    public required string Architecture { get; init; }

    /// <summary>A name for the model (its file name).</summary>
    public required string ModelName { get; init; }

    /// <summary>The settings measured with.</summary>
    public required ReportOptions Options { get; init; }

    /// <summary>Images evaluated and attacked.</summary>
    public required int Images { get; init; }

    /// <summary>Image height.</summary>
    public required int Rows { get; init; }

    /// <summary>Image width.</summary>
    public required int Cols { get; init; }

    /// <summary>Clean accuracy and confusion matrix.</summary>
    public required EvaluationResult Clean { get; init; }

    /// <summary>The confusion matrix under FGSM at <see cref="ReportOptions.ConfusionEpsilon"/>.</summary>
    public required EvaluationResult Adversarial { get; init; }

    /// <summary>One sweep per method, in the order asked.</summary>
    public required IReadOnlyList<MethodSweep> Sweeps { get; init; }

    /// <summary>The per-image minimal FGSM eps (with FGSM at exactly each report eps in <see cref="MinimalFgsmResult.FooledAt"/>).</summary>
    public required MinimalFgsmResult Minimal { get; init; }

    /// <summary>The example grid's columns.</summary>
    public required IReadOnlyList<ExampleImage> Examples { get; init; }

    /// <summary>The published accuracies to compare with (eps, accuracy), or empty.</summary>
    public required IReadOnlyList<(float Epsilon, double Accuracy)> Reference { get; init; }

    /// <summary>The training history from the model file, when it has one.</summary>
    public TrainingHistory? History { get; init; }

    /// <summary>Wall time of all the measuring.</summary>
    public double Seconds { get; init; }
}

/// <summary>The PyTorch FGSM tutorial's published numbers.</summary>
public static class TutorialReference
{
    /// <summary>Its LeNet's test accuracy under FGSM at eps 0, 0.05, …, 0.3.</summary>
    public static IReadOnlyList<(float Epsilon, double Accuracy)> LeNetAccuracy { get; } =
        [(0f, 0.9810), (0.05f, 0.9426), (0.1f, 0.8510), (0.15f, 0.6826), (0.2f, 0.4301), (0.25f, 0.2082), (0.3f, 0.0869)];
}

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
            GrayscalePng.Quantize(adversarial.Span, bytes);
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
        const int classes = LabeledImages.ClassCount;
        using var replicas = new ModelReplicas(model, model.Threads);
        var confusions = new int[replicas.Count, classes, classes];
        int batches = (data.Count + batchSize - 1) / batchSize, done = 0;
        replicas.Run(r =>
        {
            var fgsm = new Fgsm(replicas[r]);
            var batch = new Batch();
            int[] predicted = new int[batchSize];
            float[] confidence = new float[batchSize];
            for (int b = r; b < batches; b += replicas.Count)
            {
                int start = b * batchSize, count = Math.Min(batchSize, data.Count - start);
                batch.Fill(data, start, count);
                Tensor adversarial = fgsm.Attack(batch.Images, batch.Labels, epsilon);
                Predictions.Compute(replicas[r].Forward(adversarial, training: false), predicted, confidence);
                for (int i = 0; i < count; i++)
                {
                    confusions[r, batch.Labels[i], predicted[i]]++;
                }

                progress?.Report(Interlocked.Add(ref done, count));
            }
        });

        var confusion = new int[classes, classes];
        int correct = 0;
        for (int r = 0; r < replicas.Count; r++)
        {
            for (int label = 0; label < classes; label++)
            {
                for (int p = 0; p < classes; p++)
                {
                    confusion[label, p] += confusions[r, label, p];
                    correct += label == p ? confusions[r, label, p] : 0;
                }
            }
        }

        return new EvaluationResult(correct, data.Count, confusion);
    }
}
