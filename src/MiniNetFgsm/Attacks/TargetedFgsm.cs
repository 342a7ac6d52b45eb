using System.Numerics.Tensors;
using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Attacks;

/// <summary>
/// Targeted FGSM (Kurakin et al., 2017): one step of size eps that lowers the loss of a chosen class t fastest under an
/// L∞ budget, <c>x_adv = clamp(x − eps · sign(∇x L(f(x), t)), 0, 1)</c>, with t a fixed class or each image's least-likely
/// class argmin_k f(x)_k.
/// </summary>
public sealed class TargetedFgsm(Sequential model)
{
    private readonly SoftmaxCrossEntropy loss = new();
    private Tensor? adversarial;
    private int[] targets = [];

    /// <summary>The logits f(x) of the clean batch from the last <c>InputGradient</c> call (a buffer owned by the model).</summary>
    public Tensor? Logits { get; private set; }

    /// <summary>The target class of every image of the last <c>InputGradient</c> call.</summary>
    public ReadOnlySpan<int> Targets => targets;

    /// <summary>The attacked model.</summary>
    public Sequential Model { get; } = model;

    /// <summary>
    /// Forward in evaluation mode; the targets t (every image <paramref name="targetClass"/>, or when null its least-likely class
    /// under the clean logits); cross-entropy against t; backward to the input. Returns ∇x L(f(x), t), a buffer owned by the model.
    /// </summary>
    public Tensor InputGradient(Tensor x, int? targetClass)
    {
        Logits = Model.Forward(x, training: false);
        Span<int> t = TargetBuffer(Logits[0]);
        if (targetClass is { } fixedClass)
        {
            t.Fill(fixedClass);
        }
        else
        {
            LeastLikely(Logits, t);
        }

        return BackwardToInput();
    }

    /// <summary>As <see cref="InputGradient(Tensor, int?)"/> with the targets given, one per image.</summary>
    public Tensor InputGradient(Tensor x, ReadOnlySpan<int> targets)
    {
        Logits = Model.Forward(x, training: false);
        targets.CopyTo(TargetBuffer(targets.Length));
        return BackwardToInput();
    }

    /// <summary>x_adv = clamp(x − eps · sign(g), 0, 1): FGSM's step with −eps; returns a buffer owned by this object.</summary>
    public Tensor Perturb(Tensor x, Tensor gradient, float eps)
    {
        adversarial = Tensor.Reuse(adversarial, x.Shape);
        FgsmKernels.Step(x.Span, gradient.Span, -eps, adversarial.Span);
        return adversarial;
    }

    /// <summary>The whole attack on one batch: gradient toward <paramref name="targetClass"/> (null: least likely), then one signed step down.</summary>
    public Tensor Attack(Tensor x, int? targetClass, float eps) => Perturb(x, InputGradient(x, targetClass), eps);

    /// <summary>The whole attack on one batch toward the given <paramref name="targets"/>, one per image.</summary>
    public Tensor Attack(Tensor x, ReadOnlySpan<int> targets, float eps) => Perturb(x, InputGradient(x, targets), eps);

    /// <summary>
    /// For each row of logits z (N, K): the least-likely class argmin_k z_k (first on ties). When every logit ties the
    /// minimum is also the prediction argmax z, so the first other class is taken: the target is never the clean prediction.
    /// </summary>
    public static void LeastLikely(Tensor logits, Span<int> targets)
    {
        int n = logits[0], k = logits[1];
        for (int row = 0; row < n; row++)
        {
            ReadOnlySpan<float> z = logits.Span.Slice(row * k, k);
            int least = TensorPrimitives.IndexOfMin(z);
            targets[row] = least == TensorPrimitives.IndexOfMax(z) ? (least == 0 ? 1 : 0) : least;
        }
    }

    private Span<int> TargetBuffer(int n)
    {
        if (targets.Length != n)
        {
            targets = new int[n];
        }

        return targets;
    }

    private Tensor BackwardToInput()
    {
        loss.Forward(Logits!, targets);
        return Model.Backward(loss.Backward(), needInputGradient: true, needParameterGradients: false)!;
    }
}
