using MiniNetFgsm.Attacks;
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
