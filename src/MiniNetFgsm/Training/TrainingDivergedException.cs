using System.Globalization;

namespace MiniNetFgsm.Training;

/// <summary>
/// Training stopped because a batch's loss was NaN, infinite or above <see cref="TrainingOptions.MaxLoss"/>: the weights
/// have blown up (typically a learning rate far too high) and every later step would only make them worse. Thrown before
/// that batch's optimizer step, so the weights are those after the previous batch.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for batch <paramref name="batch"/> of <paramref name="batches"/> in epoch <paramref name="epoch"/>.</summary>
    public TrainingDivergedException(int epoch, int batch, int batches, double loss, double maxLoss)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"training diverged in epoch {epoch}, batch {batch} of {batches}: the batch loss is {Describe(loss)} ({(double.IsFinite(loss) ? $"above the bound of {maxLoss}" : "not a finite number")})."))
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>The 1-based epoch of the batch whose loss diverged.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based batch within <see cref="Epoch"/>.</summary>
    public int Batch { get; }

    /// <summary>That batch's mean cross-entropy (NaN, ±∞ or above the bound).</summary>
    public double Loss { get; }

    private static string Describe(double loss) => double.IsNaN(loss) ? "NaN" : double.IsInfinity(loss) ? "infinite" : loss.ToString("G4", CultureInfo.InvariantCulture);
}
