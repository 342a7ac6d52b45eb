using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Models;

/// <summary>
/// The gradient of the mean cross-entropy loss with respect to the input pixels, ∇x L(f(x), y): what every attack steps
/// along and what adversarial training perturbs its batches with. It sits below both so neither imports the other.
/// </summary>
public sealed class LossGradient(Sequential model)
{
    private readonly SoftmaxCrossEntropy loss = new();

    /// <summary>The model differentiated.</summary>
    public Sequential Model { get; } = model;

    /// <summary>The logits f(x) of the batch from the last <see cref="ToInput"/> call (a buffer owned by the model, valid
    /// until its next forward pass): the clean predictions come for free.</summary>
    public Tensor? Logits { get; private set; }

    /// <summary>
    /// Forward (in evaluation mode unless <paramref name="training"/>: adversarial training takes its step with dropout on),
    /// cross-entropy against <paramref name="labels"/>, backward to the input.
    /// Returns ∇x L, a buffer owned by the model (valid until its next backward pass). The loss is the batch
    /// mean, which scales the gradient by 1/N but leaves its sign, and so any signed step, unchanged. Parameter
    /// gradients are not computed (nor touched).
    /// </summary>
    public Tensor ToInput(Tensor x, ReadOnlySpan<int> labels, bool training = false)
    {
        Logits = Model.Forward(x, training);
        loss.Forward(Logits, labels);
        return Model.Backward(loss.Backward(), needInputGradient: true, needParameterGradients: false)!;
    }
}
