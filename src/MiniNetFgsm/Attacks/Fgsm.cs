using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Attacks;

/// <summary>
/// The Fast Gradient Sign Method (Goodfellow et al., 2015): one step of size eps in the direction that
/// increases the loss fastest under an L∞ budget, <c>x_adv = clamp(x + eps · sign(∇x L(f(x), y)), 0, 1)</c>.
/// </summary>
public sealed class Fgsm(Sequential model)
{
    private readonly LossGradient loss = new(model);
    private Tensor? adversarial;

    /// <summary>The logits f(x) of the clean batch from the last <see cref="InputGradient"/> call (a buffer owned by the model,
    /// valid until its next forward pass): the clean predictions come for free.</summary>
    public Tensor? Logits => loss.Logits;

    /// <summary>The attacked model.</summary>
    public Sequential Model => loss.Model;

    /// <summary>
    /// ∇x L(f(x), y): forward (evaluation mode unless <paramref name="training"/>), cross-entropy against
    /// <paramref name="labels"/>, backward to the input (see <see cref="LossGradient.ToInput"/>). Returns a buffer owned
    /// by the model, valid until its next backward pass. The loss is the batch mean, which scales the gradient by 1/N but
    /// leaves its sign, and so the attack, unchanged.
    /// </summary>
    public Tensor InputGradient(Tensor x, ReadOnlySpan<int> labels, bool training = false) => loss.ToInput(x, labels, training);

    /// <summary>x_adv = clamp(x + eps · sign(g), 0, 1); returns a buffer owned by this object.</summary>
    public Tensor Perturb(Tensor x, Tensor gradient, float eps)
    {
        adversarial = Tensor.Reuse(adversarial, x.Shape);
        FgsmKernels.Step(x.Span, gradient.Span, eps, adversarial.Span);
        return adversarial;
    }

    /// <summary>The whole attack on one batch: gradient at x against the true labels, then one signed step.</summary>
    public Tensor Attack(Tensor x, ReadOnlySpan<int> labels, float eps) => Perturb(x, InputGradient(x, labels), eps);
}
