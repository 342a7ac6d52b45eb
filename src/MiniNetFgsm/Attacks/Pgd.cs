using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Attacks;

/// <summary>
/// Projected gradient descent under an L∞ budget (Madry et al., 2018) and, without its random start, the basic iterative
/// method (BIM, Kurakin et al., 2017): FGSM steps of size α, each projected back onto the eps ball around x and onto [0, 1].
/// <code>
/// x_0     = x  (BIM)   or   clamp(x + U(−eps, eps), 0, 1)  (PGD)
/// x_{i+1} = clamp(clamp(x_i + α · sign(∇x L(f(x_i), y)), x − eps, x + eps), 0, 1),   i = 0 … steps − 1
/// </code>
/// With several restarts the walk is repeated from new random starts, and an image keeps the result of the first restart
/// that fools the model (else of the last): it counts as robust only if it survives every restart. One step with α = eps
/// from x_0 = x is FGSM, bit for bit.
/// </summary>
public sealed class Pgd(Sequential model)
{
    private readonly Fgsm gradients = new(model);
    private Tensor? current, best;
    private int[] predicted = [];
    private float[] confidence = [];
    private bool[] fooled = [];

    /// <summary>The attacked model.</summary>
    public Sequential Model => gradients.Model;

    /// <summary>Iterations per restart.</summary>
    public int Steps { get; init; } = 40;

    /// <summary>The step α; null for <see cref="DefaultStepSize"/>(eps, steps).</summary>
    public float? StepSize { get; init; }

    /// <summary>Walks per image (each from its own random start).</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>True for PGD (start uniformly in the eps ball), false for BIM (start at x).</summary>
    public bool RandomStart { get; init; } = true;

    /// <summary>Seeds the random starts: image n of the data set in restart r starts from stream (n, r) of this seed.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>α = 2.5 · eps / steps: enough for a walk to cross the ball (diameter 2·eps) with room to spare.</summary>
    public static float DefaultStepSize(float eps, int steps) => 2.5f * eps / steps;

    /// <summary>The attack <paramref name="options"/> describe (method <see cref="AttackMethod.Bim"/> or <see cref="AttackMethod.Pgd"/>).</summary>
    public static Pgd Create(Sequential model, AttackOptions options)
    {
        options.Validate();
        if (options.Method is not (AttackMethod.Bim or AttackMethod.Pgd))
        {
            throw new ArgumentException($"Pgd runs methods bim and pgd, not {options.Method.ToString().ToLowerInvariant()}.");
        }

        return new Pgd(model)
        {
            Steps = options.Steps, StepSize = options.StepSize, Restarts = options.Restarts,
            RandomStart = options.Method == AttackMethod.Pgd, Seed = options.Seed,
        };
    }

    /// <summary>
    /// Attacks one batch x (N, 1, H, W) with true <paramref name="labels"/>; <paramref name="firstImage"/> is the index of the
    /// batch's first image in the data set (it picks the random streams, so results do not depend on how the data is batched).
    /// Returns x_adv, a buffer owned by this object. eps = 0 returns a copy of x (the ball is the point x) without any step.
    /// </summary>
    public Tensor Attack(Tensor x, ReadOnlySpan<int> labels, float eps, int firstImage = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Restarts, 1);
        current = Tensor.Reuse(current, x.Shape);
        if (eps == 0f)
        {
            x.Span.CopyTo(current.Span);
            return current;
        }

        float alpha = StepSize ?? DefaultStepSize(eps, Steps);
        for (int restart = 0; restart < Restarts; restart++)
        {
            Start(x, eps, firstImage, restart);
            for (int step = 0; step < Steps; step++)
            {
                Tensor g = gradients.InputGradient(current, labels);
                ProjectedStepKernels.Step(x.Span, current.Span, g.Span, alpha, eps, current.Span);
            }

            if (Restarts == 1)
            {
                return current;
            }

            if (KeepFirstFooling(labels, restart))
            {
                break;   // every image fooled: later restarts could not change the result
            }
        }

        return best!;
    }

    /// <summary>x_0 into <see cref="current"/>: x itself, or per image x + U(−eps, eps) clamped to [0, 1].</summary>
    private void Start(Tensor x, float eps, int firstImage, int restart)
    {
        if (!RandomStart)
        {
            x.Span.CopyTo(current!.Span);
            return;
        }

        int n = x[0], pixels = n == 0 ? 0 : x.Length / n;
        for (int i = 0; i < n; i++)
        {
            Xoshiro128 random = Xoshiro128.ForStream(Seed, firstImage + i, restart);
            ProjectedStepKernels.RandomStart(x.Span.Slice(i * pixels, pixels), eps, ref random, current!.Span.Slice(i * pixels, pixels));
        }
    }

    /// <summary>Copies into <see cref="best"/> the images of this restart not fooled by an earlier one; true when all are fooled.</summary>
    private bool KeepFirstFooling(ReadOnlySpan<int> labels, int restart)
    {
        int n = current![0], pixels = n == 0 ? 0 : current.Length / n;
        best = Tensor.Reuse(best, current.Shape);
        if (predicted.Length != n)
        {
            predicted = new int[n];
            confidence = new float[n];
            fooled = new bool[n];
        }

        Predictions.Compute(Model.Forward(current, training: false), predicted, confidence);
        bool all = true;
        for (int i = 0; i < n; i++)
        {
            if (restart == 0 || !fooled[i])
            {
                current.Span.Slice(i * pixels, pixels).CopyTo(best.Span.Slice(i * pixels, pixels));
                fooled[i] = predicted[i] != labels[i];
            }

            all &= fooled[i];
        }

        return all;
    }
}
