using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Attacks;

/// <summary>
/// One eps of <see cref="Attack.Run(Sequential, Tensor, int[], IReadOnlyList{float}, AttackOptions?, int)"/>: the adversarial
/// images, what the model predicts for them, and which images the attack fooled, all in arrays the caller owns.
/// </summary>
/// <param name="Epsilon">The L∞ budget, in pixel units ([0, 1] scale): every pixel of <paramref name="Adversarial"/> is within eps of the clean one.</param>
/// <param name="Adversarial">x_adv (N, C, H, W), pixels in [0, 1].</param>
/// <param name="Prediction">The model's labels and probabilities on x_adv.</param>
/// <param name="Success">(N) per image: for FGSM, BIM and PGD, x_adv is misclassified (an image the model already got wrong
/// counts as a success, as in Foolbox); for the targeted attack, x_adv is classified as its target (never when the target is the label).</param>
/// <param name="Targets">The targeted attack's target class per image (N); null for the other methods.</param>
public sealed record AttackResult(float Epsilon, Tensor Adversarial, Prediction Prediction, bool[] Success, int[]? Targets)
{
    /// <summary>The fraction of images the attack fooled (<see cref="Success"/> true).</summary>
    public double SuccessRate => Success.Length == 0 ? 0 : (double)Success.Count(s => s) / Success.Length;
}

/// <summary>
/// The high-level attack, Foolbox-style: a batch of images and their labels in, for each eps the adversarial images, the
/// predictions and a success mask out, as new arrays. The same call runs every <see cref="AttackMethod"/>; the attack
/// classes it uses (<see cref="Fgsm"/>, <see cref="TargetedFgsm"/>, <see cref="Pgd"/>) are the low-level API, whose methods
/// return buffers reused by their next call, for loops that must not allocate.
/// </summary>
public static class Attack
{
    /// <summary>
    /// Attacks <paramref name="images"/> (N, C, H, W), pixels in [0, 1], with true <paramref name="labels"/> (N) at every eps,
    /// <paramref name="batchSize"/> images at a time spread over one model replica per thread. FGSM and targeted FGSM take the
    /// gradient once per batch and then one step per eps; BIM and PGD walk steps × restarts steps per batch and eps. The
    /// results equal <see cref="AttackSweep.Run"/>'s counts for the same options (PGD's random starts are keyed by seed, image
    /// index and restart, so batching and threads do not change them).
    /// </summary>
    /// <param name="model">The model; only its inputs are differentiated, its parameters do not change.</param>
    /// <param name="images">The clean images x.</param>
    /// <param name="labels">The true class of each image.</param>
    /// <param name="epsilons">The budgets, each in [0, 1].</param>
    /// <param name="options">The method and its settings; null for FGSM.</param>
    /// <param name="batchSize">Images per forward and backward pass.</param>
    /// <returns>One <see cref="AttackResult"/> per eps, in the order given.</returns>
    /// <exception cref="ArgumentException">The options are invalid, an eps is outside [0, 1], or the labels do not match the images.</exception>
    public static IReadOnlyList<AttackResult> Run(
        Sequential model, Tensor images, int[] labels, IReadOnlyList<float> epsilons, AttackOptions? options = null, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(epsilons);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        options ??= new AttackOptions();
        options.Validate();
        if (images.Rank < 2 || labels.Length != images[0])
        {
            throw new ArgumentException($"Expected one label per image: images {images.ShapeText}, {labels.Length} labels.", nameof(labels));
        }

        foreach (float eps in epsilons)
        {
            if (!(eps >= 0f && eps <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(epsilons), eps, "Every eps must be in [0, 1].");
            }
        }

        int n = images[0], e = epsilons.Count, pixels = n == 0 ? 0 : images.Length / n;
        int classes = model.OutputShape([1, .. images.Shape[1..]])[^1];
        bool targeted = options.Method == AttackMethod.Targeted;
        int[]? targets = targeted ? new int[n] : null;
        var results = new AttackResult[e];
        for (int k = 0; k < e; k++)
        {
            results[k] = new AttackResult(epsilons[k], new Tensor(images.Shape), new Prediction(new int[n], new float[n * classes]), new bool[n], targets);
        }

        using var replicas = new ModelReplicas(model, model.Threads);
        int batches = (n + batchSize - 1) / batchSize;
        replicas.Run(r =>
        {
            Sequential replica = replicas[r];
            var fgsm = new Fgsm(replica);
            var towardTarget = new TargetedFgsm(replica);
            Pgd? pgd = options.Method is AttackMethod.Bim or AttackMethod.Pgd ? Pgd.Create(replica, options) : null;
            Tensor x = new(0), gradient = new(0);
            for (int b = r; b < batches; b += replicas.Count)
            {
                int start = b * batchSize, count = Math.Min(batchSize, n - start);
                x = Batches.Copy(images, start, count, x);
                ReadOnlySpan<int> y = labels.AsSpan(start, count);

                // The one-step attacks need the gradient at the clean x once; it does not depend on eps.
                if (options.Method == AttackMethod.Fgsm)
                {
                    gradient = Batches.Copy(fgsm.InputGradient(x, y), 0, count, gradient);
                }
                else if (targeted)
                {
                    gradient = Batches.Copy(towardTarget.InputGradient(x, options.TargetClass), 0, count, gradient);
                    towardTarget.Targets.CopyTo(targets.AsSpan(start, count));
                }

                foreach (AttackResult result in results)
                {
                    Tensor adversarial = options.Method switch
                    {
                        AttackMethod.Fgsm => fgsm.Perturb(x, gradient, result.Epsilon),
                        AttackMethod.Targeted => towardTarget.Perturb(x, gradient, result.Epsilon),
                        _ => pgd!.Attack(x, y, result.Epsilon, firstImage: start),
                    };
                    adversarial.Span.CopyTo(result.Adversarial.Span.Slice(start * pixels, count * pixels));
                    result.Prediction.Fill(replica.Forward(adversarial, training: false), start);
                    for (int i = start; i < start + count; i++)
                    {
                        int predicted = result.Prediction.Labels[i];
                        result.Success[i] = targeted ? predicted == targets![i] && targets[i] != labels[i] : predicted != labels[i];
                    }
                }
            }
        });

        return results;
    }

    /// <summary>
    /// As <see cref="Run(Sequential, Tensor, int[], IReadOnlyList{float}, AttackOptions?, int)"/> on every image of
    /// <paramref name="data"/> (<see cref="LabeledImages.ToTensor()"/>, <see cref="LabeledImages.ToLabelArray()"/>).
    /// </summary>
    public static IReadOnlyList<AttackResult> Run(
        Sequential model, LabeledImages data, IReadOnlyList<float> epsilons, AttackOptions? options = null, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Run(model, data.ToTensor(), data.ToLabelArray(), epsilons, options, batchSize);
    }
}
