using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Training;

/// <summary>
/// Turns a training batch into FGSM adversarial examples from a random start (see <see cref="AdversarialTrainingOptions"/>).
/// One per replica: it owns its buffers, which are reused while the batch shape stays the same.
/// </summary>
internal sealed class FastFgsmExamples(Sequential model, AdversarialTrainingOptions options, int seed)
{
    // Kept apart from PGD's streams (which are keyed by the same seed and an image index).
    private const int StreamSalt = 0x0AD7_7EA1;

    private readonly LossGradient loss = new(model);
    private Tensor? adversarial;

    /// <summary>
    /// x_adv for the batch <paramref name="x"/> (N, 1, H, W): per image i, δ_i ~ U(−eps, eps) from the generator of stream
    /// (epoch, <paramref name="firstPosition"/> + i), then one step δ ← clamp(δ + α · sign(∇δ L), −eps, eps), all clamped to
    /// [0, 1]. The gradient comes from a forward in training mode (dropout on, with a fresh mask drawn from the replica's
    /// dropout stream, not the training step's), without touching the parameter gradients. Returns a buffer owned by this object.
    /// </summary>
    public Tensor Make(Tensor x, ReadOnlySpan<int> labels, int epoch, int firstPosition)
    {
        adversarial = Tensor.Reuse(adversarial, x.Shape);
        float eps = options.Epsilon;
        int n = x[0], pixels = n == 0 ? 0 : x.Length / n;
        for (int i = 0; i < n; i++)
        {
            Xoshiro128 random = Xoshiro128.ForStream(seed ^ StreamSalt, epoch, firstPosition + i);
            ProjectedStepKernels.RandomStart(x.Span.Slice(i * pixels, pixels), eps, ref random, adversarial.Span.Slice(i * pixels, pixels));
        }

        // ∇δ L(f(x + δ)) = ∇x L at the start point: the input gradient of the network there.
        Tensor gradient = loss.ToInput(adversarial, labels, training: true);
        ProjectedStepKernels.Step(x.Span, adversarial.Span, gradient.Span, options.EffectiveStepSize, eps, adversarial.Span);
        return adversarial;
    }
}
