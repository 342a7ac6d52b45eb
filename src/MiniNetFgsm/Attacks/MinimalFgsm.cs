using MiniNetFgsm.Data;
using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Attacks;

/// <summary>The smallest FGSM perturbation on the 8-bit grid that changes one image's prediction.</summary>
/// <param name="Index">The image's index in the data set.</param>
/// <param name="Label">Its true class y.</param>
/// <param name="CleanPrediction">argmax f(x).</param>
/// <param name="MinK">
/// The smallest k in 1..maxK with argmax f(clamp(x + (k/255)·s, 0, 1)) ≠ y, where s = sign(∇x L(x, y));
/// 0 when the clean image is already misclassified; null when no k up to maxK flips it.
/// </param>
/// <param name="AdversarialPrediction">The prediction at <see cref="MinK"/> (at maxK when not found; the clean one when MinK is 0).</param>
/// <param name="AdversarialConfidence">Its softmax probability.</param>
public sealed record MinimalEpsilon(int Index, int Label, int CleanPrediction, int? MinK, int AdversarialPrediction, float AdversarialConfidence)
{
    /// <summary>eps = k/255, in pixel units; null when not found.</summary>
    public float? MinEpsilon => MinK is int k ? MinimalFgsm.Epsilon(k) : null;

    /// <summary>True when some k in 0..maxK fools the model.</summary>
    public bool Found => MinK is not null;
}

/// <summary>
/// Per image, the smallest FGSM step on the 8-bit pixel grid, eps = k/255, that makes the model misclassify it.
/// </summary>
/// <remarks>
/// <para>MNIST pixels are bytes, so k/255 is the natural grid: x + (k/255)·s stays on it. For each image the
/// direction s = sign(∇x L(f(x), y)) is computed once (it does not depend on eps); then every k = 1, 2, …, maxK is
/// tried in turn.</para>
/// <para><b>Why the answer is exact.</b> Whether x + eps·s is misclassified is not monotone in eps (the prediction
/// can flip at eps and flip back at a larger one), so bisection can skip over the smallest flipping k. Here an image
/// stays in the active set until its first flip: at step k, every image still active has been evaluated at every
/// j &lt; k and was classified correctly each time, and it leaves the set at the first k that flips it. So the
/// reported k flips the prediction and no smaller one does, by construction.</para>
/// <para><b>Why it is fast.</b> At each k only the still-active images are evaluated, packed together into full
/// batches (one forward pass each, no backward pass), so the cost is Σ min_k forward passes per image rather than
/// 255. The per-image result does not depend on which other images share its batch: every layer treats images
/// independently and, on a single-threaded replica, the GEMM sums over K in the same order for every column (edge tiles
/// are zero-padded).</para>
/// <para>The gradients are computed on the same batches of <c>batchSize</c> consecutive images as
/// <see cref="FgsmSweep"/>, so s is bit-for-bit the sweep's: every image the sweep fools at a grid eps k/255 has
/// min_k ≤ k (more can have min_k ≤ k, when their prediction flipped back before k).</para>
/// </remarks>
public static class MinimalFgsm
{
    /// <summary>The largest step on the 8-bit grid: eps = 255/255 = 1.</summary>
    public const int MaxGridStep = 255;

    /// <summary>eps = k/255 as a float (the value the search uses).</summary>
    public static float Epsilon(int k) => k / 255f;

    /// <summary>The largest k with k/255 ≤ <paramref name="maxEpsilon"/> (up to float noise in the given eps).</summary>
    public static int GridSteps(float maxEpsilon)
    {
        if (!(maxEpsilon >= 0f && maxEpsilon <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(maxEpsilon), maxEpsilon, "The maximum eps must be in [0, 1].");
        }

        return (int)Math.Floor(maxEpsilon * 255.0 + 1e-4);
    }

    /// <summary>
    /// Searches every image of <paramref name="data"/> for its smallest flipping k in 1..<paramref name="maxK"/>,
    /// on <see cref="Sequential.Threads"/> replicas of <paramref name="model"/>. Results are in data order.
    /// </summary>
    /// <param name="model">The attacked model (evaluation mode: dropout off).</param>
    /// <param name="data">The images and their true labels.</param>
    /// <param name="maxK">Largest grid step tried, 0..255 (eps up to maxK/255).</param>
    /// <param name="batchSize">Images per forward pass; also the gradient batches, as in <see cref="FgsmSweep"/>.</param>
    /// <param name="progress">Receives the number of grid steps k finished by the slowest replica.</param>
    /// <param name="exactEpsilons">
    /// Also counts, for each of these eps, the images FGSM at exactly that eps misclassifies, from the same gradients: the
    /// sweep's numbers (<see cref="FgsmSweep"/>) without a second gradient pass, in <see cref="MinimalFgsmResult.FooledAt"/>.
    /// </param>
    public static MinimalFgsmResult Search(
        Sequential model, LabeledImages data, int maxK = MaxGridStep, int batchSize = 64, IProgress<int>? progress = null,
        IReadOnlyList<float>? exactEpsilons = null)
    {
        float[] exact = [.. exactEpsilons ?? []];
        foreach (float eps in exact)
        {
            if (!(eps >= 0f && eps <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(exactEpsilons), eps, "Every eps must be in [0, 1].");
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(maxK);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxK, MaxGridStep);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);

        var results = new MinimalEpsilon[data.Count];
        int pixels = data.PixelsPerImage;
        byte[] adversarialPixels = new byte[data.Count * pixels];
        data.Pixels.CopyTo(adversarialPixels);        // clean images until a flip is found
        int batches = (data.Count + batchSize - 1) / batchSize;
        // A model ModelZoo cannot replicate runs as one replica on one thread: with threads inside its kernels, a GEMM
        // could cut K differently for different batch sizes, and an image's logits would depend on the active set's size.
        using var replicas = new ModelReplicas(model, model.Architecture is null ? 1 : model.Threads);
        int[] stepsDone = new int[replicas.Count];
        var fooledAt = new int[replicas.Count, exact.Length];
        replicas.Run(r =>
        {
            // Replica r owns the sweep's batches r, r + R, r + 2R, …: it keeps their pixels and gradients.
            var owned = new List<int>();
            for (int b = r; b < batches; b += replicas.Count)
            {
                int start = b * batchSize, count = Math.Min(batchSize, data.Count - start);
                for (int i = 0; i < count; i++)
                {
                    owned.Add(start + i);
                }
            }

            int n = owned.Count;
            float[] x = new float[n * pixels], gradients = new float[n * pixels];
            int[] labels = new int[n];
            var fgsm = new Fgsm(replicas[r]);
            var batch = new Batch();
            int[] predicted = new int[batchSize];
            float[] confidence = new float[batchSize];
            var active = new List<int>(n);     // positions in `owned` still correctly classified at every k so far
            for (int first = 0; first < n; first += batchSize)
            {
                // One sweep batch: every owned batch but possibly the data set's last is full, so chunks of
                // batchSize positions in `owned` are exactly the sweep's batches, consecutive images each.
                int count = Math.Min(batchSize, n - first);
                batch.Fill(data, owned[first], count);
                batch.Images.Span.CopyTo(x.AsSpan(first * pixels));
                batch.Labels.CopyTo(labels.AsSpan(first));
                fgsm.InputGradient(batch.Images, batch.Labels).Span.CopyTo(gradients.AsSpan(first * pixels));
                Predictions.Compute(fgsm.Logits!, predicted, confidence);
                for (int i = 0; i < count; i++)
                {
                    int p = first + i;
                    if (predicted[i] != labels[p])
                    {
                        results[owned[p]] = new MinimalEpsilon(owned[p], labels[p], predicted[i], 0, predicted[i], confidence[i]);
                    }
                    else
                    {
                        results[owned[p]] = new MinimalEpsilon(owned[p], labels[p], predicted[i], null, predicted[i], confidence[i]);
                        active.Add(p);
                    }
                }
            }

            var adversarial = new Tensor(0);

            // FGSM at exactly each requested eps, every owned image (the sweep's computation on the same gradients).
            for (int e = 0; e < exact.Length; e++)
            {
                for (int first = 0; first < n; first += batchSize)
                {
                    int count = Math.Min(batchSize, n - first);
                    adversarial = Tensor.Reuse(adversarial, count, 1, data.Rows, data.Cols);
                    FgsmKernels.Step(x.AsSpan(first * pixels, count * pixels), gradients.AsSpan(first * pixels, count * pixels), exact[e], adversarial.Span);
                    Predictions.Compute(replicas[r].Forward(adversarial, training: false), predicted, confidence);
                    for (int i = 0; i < count; i++)
                    {
                        fooledAt[r, e] += predicted[i] != labels[first + i] ? 1 : 0;
                    }
                }
            }

            var stillActive = new List<int>(n);
            for (int k = 1; k <= maxK && active.Count > 0; k++)
            {
                float eps = Epsilon(k);
                bool last = k == maxK;
                stillActive.Clear();
                for (int first = 0; first < active.Count; first += batchSize)
                {
                    int count = Math.Min(batchSize, active.Count - first);
                    adversarial = Tensor.Reuse(adversarial, count, 1, data.Rows, data.Cols);
                    for (int i = 0; i < count; i++)
                    {
                        int p = active[first + i];
                        FgsmKernels.Step(x.AsSpan(p * pixels, pixels), gradients.AsSpan(p * pixels, pixels), eps, adversarial.Span.Slice(i * pixels, pixels));
                    }

                    Predictions.Compute(replicas[r].Forward(adversarial, training: false), predicted, confidence);
                    for (int i = 0; i < count; i++)
                    {
                        int p = active[first + i];
                        MinimalEpsilon clean = results[owned[p]];
                        bool flipped = predicted[i] != labels[p];
                        if (flipped || last)
                        {
                            results[owned[p]] = clean with { MinK = flipped ? k : null, AdversarialPrediction = predicted[i], AdversarialConfidence = confidence[i] };
                            PixelConversion.Quantize(adversarial.Span.Slice(i * pixels, pixels), adversarialPixels.AsSpan(owned[p] * pixels, pixels));
                        }

                        if (!flipped)
                        {
                            stillActive.Add(p);
                        }
                    }
                }

                (active, stillActive) = (stillActive, active);
                stepsDone[r] = k;
                progress?.Report(stepsDone.Min());
            }

            stepsDone[r] = maxK;          // finished early (every image flipped) or owned no batch
            progress?.Report(stepsDone.Min());
        });

        int[] fooledAtTotal = new int[exact.Length];
        for (int e = 0; e < exact.Length; e++)
        {
            for (int r = 0; r < replicas.Count; r++)
            {
                fooledAtTotal[e] += fooledAt[r, e];
            }
        }

        return new MinimalFgsmResult(results, adversarialPixels, data.Rows, data.Cols, maxK) { ExactEpsilons = exact, FooledAt = fooledAtTotal };
    }

    /// <summary>
    /// Classifies every image fooled at some k ≥ 1 as it is saved, 8 bits per pixel, and read back (b/255): do the saved
    /// adversarial images still fool the model? The PNG files are lossless, so their pixels are exactly
    /// <see cref="MinimalFgsmResult.AdversarialPixels"/>; no PNG is encoded here.
    /// </summary>
    /// <remarks>
    /// The search classifies the float image x + (k/255)·s, each pixel the float nearest b/255 + k/255; the saved image holds
    /// the exact byte b ± k, read back as the float nearest (b ± k)/255. The two can differ in the last bit, so an image
    /// whose flip margin at min_k is that thin may be classified correctly again from its PNG.
    /// </remarks>
    public static PngRoundTrip VerifyPngRoundTrip(Sequential model, MinimalFgsmResult result, int batchSize = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int pixels = result.Rows * result.Cols;
        int[] fooled = result.Images.Where(r => r.MinK >= 1).Select(r => r.Index).ToArray();
        var stillFooled = new List<int>();
        var notFooled = new List<int>();
        var images = new Tensor(0);
        int[] predicted = new int[batchSize];
        float[] confidence = new float[batchSize];
        for (int first = 0; first < fooled.Length; first += batchSize)
        {
            int count = Math.Min(batchSize, fooled.Length - first);
            images = Tensor.Reuse(images, count, 1, result.Rows, result.Cols);
            for (int i = 0; i < count; i++)
            {
                PixelConversion.ToUnitFloat(result.AdversarialImage(fooled[first + i]), images.Span.Slice(i * pixels, pixels));
            }

            Predictions.Compute(model.Forward(images, training: false), predicted, confidence);
            for (int i = 0; i < count; i++)
            {
                int index = fooled[first + i];
                (predicted[i] != result.Images[index].Label ? stillFooled : notFooled).Add(index);
            }
        }

        return new PngRoundTrip(fooled.Length, stillFooled.Count, notFooled);
    }
}

/// <summary>How many minimal adversarial images still fool the model after an 8-bit PNG round trip.</summary>
/// <param name="Checked">Images fooled at some k ≥ 1, each classified from its 8-bit pixels.</param>
/// <param name="StillFooled">Those still misclassified from their 8-bit pixels.</param>
/// <param name="NotFooled">Indices of the others.</param>
public sealed record PngRoundTrip(int Checked, int StillFooled, IReadOnlyList<int> NotFooled);
