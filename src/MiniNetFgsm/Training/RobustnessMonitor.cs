using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Training;

/// <summary>
/// Watches robust accuracy epoch by epoch during adversarial training and detects catastrophic overfitting: an epoch
/// whose robust accuracy falls below <c>ratio ×</c> an earlier epoch's best, or below 2% after having been at least 4%.
/// It keeps a copy of the most robust epoch's weights so they can be put back.
/// </summary>
internal sealed class RobustnessMonitor(Sequential model, double collapseRatio)
{
    /// <summary>Robust accuracy below this is a collapse once an earlier epoch reached twice as much, whatever the ratio.</summary>
    public const double CollapseFloor = 0.02;

    private float[][]? bestWeights;

    /// <summary>The highest robust accuracy seen (−∞ before the first epoch).</summary>
    public double BestAccuracy { get; private set; } = double.NegativeInfinity;

    /// <summary>The epoch that reached <see cref="BestAccuracy"/> (0 before the first).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The most robust epoch's weights, one array per parameter (null before the first epoch): kept by a checkpoint.</summary>
    public float[][]? BestWeights => bestWeights;

    /// <summary>Puts back what a checkpoint kept: the best accuracy, its epoch and its weights.</summary>
    public void Restore(double bestAccuracy, int bestEpoch, float[][]? weights)
    {
        BestAccuracy = bestAccuracy;
        BestEpoch = bestEpoch;
        bestWeights = weights;
    }

    /// <summary>Records the robust accuracy after <paramref name="epoch"/>; true when it is a collapse.</summary>
    public bool Observe(int epoch, double robustAccuracy)
    {
        if (robustAccuracy > BestAccuracy)
        {
            BestAccuracy = robustAccuracy;
            BestEpoch = epoch;
            bestWeights = model.Parameters.Select(p => p.Value.Span.ToArray()).ToArray();
        }

        // A collapse is a drop from robustness reached before: an early epoch that is merely not robust yet is not one.
        return BestEpoch < epoch && (robustAccuracy < collapseRatio * BestAccuracy || (robustAccuracy < CollapseFloor && BestAccuracy >= 2 * CollapseFloor));
    }

    /// <summary>Copies the most robust epoch's weights back into the model; returns that epoch (null when none was kept).</summary>
    public int? RestoreBest()
    {
        if (bestWeights is null)
        {
            return null;
        }

        for (int k = 0; k < model.Parameters.Count; k++)
        {
            bestWeights[k].CopyTo(model.Parameters[k].Value.Span);
        }

        return BestEpoch;
    }
}
