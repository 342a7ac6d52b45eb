using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Training;

/// <summary>
/// Accuracy of <paramref name="model"/> on <paramref name="images"/> under an attack with L∞ budget <paramref name="epsilon"/>
/// and <paramref name="steps"/> iterations, its random starts seeded by <paramref name="seed"/>.
/// </summary>
public delegate double RobustAccuracyMeasure(Sequential model, LabeledImages images, float epsilon, int steps, int seed);

/// <summary>
/// FGSM adversarial training with a random start, the "fast is better than free" recipe (Wong, Rice and Kolter, 2020):
/// every training batch is replaced by adversarial examples before the optimizer step,
/// <code>
/// δ ~ U(−eps, eps)                                  (per pixel; x + δ clamped to [0, 1])
/// δ ← clamp(δ + α · sign(∇δ L(f(x + δ), y)), −eps, eps),   α = 1.25 · eps by default
/// train on x_adv = clamp(x + δ, 0, 1)
/// </code>
/// After each epoch the model's robust accuracy under PGD is measured on the first test images. One-step training can
/// suddenly stop producing robustness (<i>catastrophic overfitting</i>: FGSM examples become easy while PGD accuracy drops
/// to about 0); the trainer detects that drop, restores the weights of the most robust epoch and stops.
/// </summary>
public sealed record AdversarialTrainingOptions
{
    /// <summary>The L∞ budget eps of the training perturbation, in pixel units.</summary>
    public float Epsilon { get; init; } = 0.3f;

    /// <summary>The FGSM step α from the random start; null for 1.25 · eps.</summary>
    public float? StepSize { get; init; }

    /// <summary>Test images (the first ones) on which robust accuracy is measured after every epoch.</summary>
    public int RobustImages { get; init; } = 1000;

    /// <summary>PGD iterations of that measurement (step 2.5 · eps / steps, one random start).</summary>
    public int RobustSteps { get; init; } = 20;

    /// <summary>
    /// Measures robust accuracy after every epoch (on <see cref="RobustImages"/> test images, at <see cref="Epsilon"/>, with
    /// <see cref="RobustSteps"/>). The attacks live beside training, not below it, so the caller passes one in:
    /// <c>AttackSweep.PgdAccuracy</c> is the PGD measurement the CLI uses. Needed when <see cref="RobustImages"/> &gt; 0.
    /// </summary>
    public RobustAccuracyMeasure? MeasureRobustAccuracy { get; init; }

    /// <summary>
    /// Catastrophic overfitting is declared when an epoch's robust accuracy falls below this fraction of an earlier
    /// epoch's best (or below 2% after an earlier epoch reached 4%).
    /// </summary>
    public double CollapseRatio { get; init; } = 0.5;

    /// <summary>α actually used.</summary>
    public float EffectiveStepSize => StepSize ?? 1.25f * Epsilon;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!(Epsilon > 0f && Epsilon <= 1f))
        {
            throw new ArgumentException($"Adversarial eps must be in (0, 1] (got {Epsilon}).");
        }

        if (StepSize is { } alpha && !(alpha > 0f && float.IsFinite(alpha)))
        {
            throw new ArgumentException($"Adversarial step size must be a positive number (got {alpha}).");
        }

        if (RobustImages < 0)
        {
            throw new ArgumentException($"Robust-accuracy images must be 0 or more (got {RobustImages}).");
        }

        if (RobustImages > 0 && MeasureRobustAccuracy is null)
        {
            throw new ArgumentException($"Robust accuracy on {RobustImages} test images needs a measure (MeasureRobustAccuracy, e.g. AttackSweep.PgdAccuracy); set RobustImages to 0 to skip it.");
        }

        if (RobustSteps < 1)
        {
            throw new ArgumentException($"Robust-accuracy PGD steps must be at least 1 (got {RobustSteps}).");
        }

        if (!(CollapseRatio >= 0 && CollapseRatio < 1))
        {
            throw new ArgumentException($"Collapse ratio must be in [0, 1) (got {CollapseRatio}).");
        }
    }
}
