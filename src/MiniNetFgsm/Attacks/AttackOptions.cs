using MiniNetFgsm.Data;

namespace MiniNetFgsm.Attacks;

/// <summary>The attacks an <see cref="AttackSweep"/> can run.</summary>
public enum AttackMethod
{
    /// <summary>One step up the loss: x_adv = clamp(x + eps · sign(∇x L(x, y)), 0, 1) (<see cref="Fgsm"/>).</summary>
    Fgsm,

    /// <summary>One step down the loss of a target class t: x_adv = clamp(x − eps · sign(∇x L(x, t)), 0, 1) (<see cref="TargetedFgsm"/>).</summary>
    Targeted,

    /// <summary>Basic iterative method: projected FGSM steps of size α from x_0 = x (<see cref="Pgd"/> without random start).</summary>
    Bim,

    /// <summary>Projected gradient descent: as BIM from a uniformly random start in the eps ball, with restarts (<see cref="Pgd"/>).</summary>
    Pgd,
}

/// <summary>Which attack to run and its settings; settings a method does not use are ignored.</summary>
public sealed record AttackOptions
{
    /// <summary>The attack.</summary>
    public AttackMethod Method { get; init; } = AttackMethod.Fgsm;

    /// <summary>Iterations of BIM and PGD.</summary>
    public int Steps { get; init; } = 40;

    /// <summary>The step α of BIM and PGD; null for 2.5 · eps / steps (Madry et al.'s choice, which lets a walk reach the ball's edge from anywhere inside it).</summary>
    public float? StepSize { get; init; }

    /// <summary>PGD runs from this many random starts; an image is robust only if it survives every one.</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>The target class of the targeted attack, 0..9; null for each image's least-likely class (argmin of its clean logits).</summary>
    public int? TargetClass { get; init; }

    /// <summary>Seeds PGD's random starts (one stream per image and restart).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Method))
        {
            throw new ArgumentException($"Unknown attack method {(int)Method}; expected fgsm, targeted, bim or pgd.");
        }

        if (Steps < 1)
        {
            throw new ArgumentException($"Steps must be at least 1 (got {Steps}).");
        }

        if (StepSize is { } alpha && !(alpha > 0f && float.IsFinite(alpha)))
        {
            throw new ArgumentException($"Step size must be a positive number (got {alpha}).");
        }

        if (Restarts < 1)
        {
            throw new ArgumentException($"Restarts must be at least 1 (got {Restarts}).");
        }

        if (Restarts > 1 && Method != AttackMethod.Pgd)
        {
            throw new ArgumentException($"Restarts above 1 need a random start, i.e. method pgd (got {Restarts} restarts with {Method.ToString().ToLowerInvariant()}).");
        }

        if (TargetClass is { } target && (target < 0 || target >= LabeledImages.ClassCount))
        {
            throw new ArgumentException($"Target class must be in 0..{LabeledImages.ClassCount - 1} (got {target}).");
        }
    }
}
