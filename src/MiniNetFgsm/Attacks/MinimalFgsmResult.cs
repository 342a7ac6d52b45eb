namespace MiniNetFgsm.Attacks;

/// <summary>What <see cref="MinimalFgsm.Search"/> found for every image, and the adversarial images themselves.</summary>
/// <param name="Images">One result per image, in data order.</param>
/// <param name="AdversarialPixels">
/// Per image (Rows·Cols bytes each, data order): the adversarial image at its minimal eps, quantized to 8 bits
/// (round(255·x_adv)); at maxK when not found; the clean image when it was misclassified to begin with.
/// </param>
/// <param name="Rows">Image height.</param>
/// <param name="Cols">Image width.</param>
/// <param name="MaxK">The largest grid step tried (eps up to MaxK/255).</param>
public sealed record MinimalFgsmResult(IReadOnlyList<MinimalEpsilon> Images, byte[] AdversarialPixels, int Rows, int Cols, int MaxK)
{
    /// <summary>The eps at which FGSM was also evaluated exactly (the search's <c>exactEpsilons</c>).</summary>
    public IReadOnlyList<float> ExactEpsilons { get; init; } = [];

    /// <summary>For each of <see cref="ExactEpsilons"/>: the images FGSM at exactly that eps misclassifies (as <see cref="FgsmSweep"/> counts them).</summary>
    public IReadOnlyList<int> FooledAt { get; init; } = [];

    /// <summary>Image <paramref name="index"/>'s 8-bit adversarial pixels.</summary>
    public ReadOnlySpan<byte> AdversarialImage(int index) => AdversarialPixels.AsSpan(index * Rows * Cols, Rows * Cols);

    /// <summary>The fraction of all images misclassified at some grid step k ≤ <paramref name="maxK"/> (k = 0 counts the clean mistakes).</summary>
    public double FractionFooledWithin(int maxK)
        => Images.Count == 0 ? 0 : (double)Images.Count(r => r.MinK is int k && k <= maxK) / Images.Count;

    /// <summary>The distribution of minimal eps over the images classified correctly when clean.</summary>
    public MinimalEpsilonSummary Summarize()
    {
        // Not-found images have a minimal eps above MaxK/255: sort them last, as +∞, so quantiles stay defined.
        double[] eps = Images.Where(r => r.MinK != 0).Select(r => r.MinEpsilon is float e ? (double)e : double.PositiveInfinity).Order().ToArray();
        double[] found = eps.Where(double.IsFinite).ToArray();
        return new MinimalEpsilonSummary(
            Images.Count,
            Images.Count(r => r.MinK == 0),
            found.Length,
            eps.Length - found.Length,
            found.Length == 0 ? double.NaN : found.Average(),
            Quantile(eps, 0.25),
            Quantile(eps, 0.5),
            Quantile(eps, 0.75),
            found.Length == 0 ? double.NaN : found[0],
            found.Length == 0 ? double.NaN : found[^1]);
    }

    /// <summary>The q-quantile of sorted values with linear interpolation (NumPy's default); +∞ propagates.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        double position = q * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        double weight = position - below;
        if (weight == 0 || sorted[below] == sorted[above])
        {
            return sorted[below];
        }

        return double.IsInfinity(sorted[above]) ? double.PositiveInfinity : sorted[below] + weight * (sorted[above] - sorted[below]);
    }
}

/// <summary>The distribution of minimal FGSM eps.</summary>
/// <param name="Total">Images searched.</param>
/// <param name="CleanMisclassified">Images already misclassified at eps 0 (left out of the statistics below).</param>
/// <param name="Found">Correctly classified images that some eps ≤ MaxK/255 fools.</param>
/// <param name="NotFound">Correctly classified images that no eps up to MaxK/255 fools.</param>
/// <param name="Mean">Mean minimal eps over the found ones.</param>
/// <param name="Q1">First quartile over the correctly classified images, counting not-found as +∞.</param>
/// <param name="Median">Median, likewise.</param>
/// <param name="Q3">Third quartile, likewise.</param>
/// <param name="Min">Smallest minimal eps found.</param>
/// <param name="Max">Largest minimal eps found.</param>
public sealed record MinimalEpsilonSummary(int Total, int CleanMisclassified, int Found, int NotFound, double Mean, double Q1, double Median, double Q3, double Min, double Max);
