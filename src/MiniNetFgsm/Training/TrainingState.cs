namespace MiniNetFgsm.Training;

/// <summary>
/// Everything a training run needs, besides the model's weights, to continue exactly where it stopped: the settings, the
/// position (epoch and batch), the optimizer's state, the learning rate, the dropout generators of every replica, the
/// most robust epoch's weights (adversarial training) and the epochs already done. The shuffling needs no state: each
/// epoch's order is re-derived from the seed and the epoch number. <see cref="Trainer.Train"/> hands one to its checkpoint
/// callback after every epoch and when interrupted; <see cref="TrainingCheckpoint"/> writes and reads them.
/// </summary>
public sealed class TrainingState
{
    internal TrainingState(TrainingOptions options, int trainImages, int epoch, int batch, IReadOnlyList<EpochResult> history)
    {
        Options = options;
        TrainImages = trainImages;
        Epoch = epoch;
        Batch = batch;
        History = history;
    }

    /// <summary>The run's settings (a checkpoint file does not keep <see cref="AdversarialTrainingOptions.MeasureRobustAccuracy"/>: the caller sets it again).</summary>
    public TrainingOptions Options { get; internal set; }

    /// <summary>Images in the training set the run uses (a resumed run must be given the same set).</summary>
    public int TrainImages { get; }

    /// <summary>The 1-based epoch in progress, or the next to start when <see cref="Batch"/> is 0 (past <see cref="TrainingOptions.Epochs"/> when finished).</summary>
    public int Epoch { get; }

    /// <summary>Batches of <see cref="Epoch"/> already trained.</summary>
    public int Batch { get; }

    /// <summary>Every completed epoch's summary, in order.</summary>
    public IReadOnlyList<EpochResult> History { get; }

    /// <summary>True when nothing is left to train (every epoch done, or stopped on catastrophic overfitting).</summary>
    public bool IsFinished => Epoch > Options.Epochs;

    /// <summary>Sum of the batch losses of <see cref="Epoch"/> so far (0 at an epoch boundary).</summary>
    internal double EpochLoss { get; init; }

    /// <summary>The optimizer's learning rate at this point.</summary>
    internal float LearningRate { get; init; }

    /// <summary>The optimizer's step count.</summary>
    internal long OptimizerSteps { get; init; }

    /// <summary>Copies of the optimizer's buffers, by name, one array per parameter.</summary>
    internal IReadOnlyList<(string Name, float[][] PerParameter)> OptimizerBuffers { get; init; } = [];

    /// <summary>Per replica, the state of its dropout layers in model order, back to back.</summary>
    internal uint[][] Dropout { get; init; } = [];

    /// <summary>Adversarial training: the best robust accuracy so far (−∞ before the first epoch).</summary>
    internal double BestRobustAccuracy { get; init; } = double.NegativeInfinity;

    /// <summary>Adversarial training: the epoch that reached it (0 before the first).</summary>
    internal int BestRobustEpoch { get; init; }

    /// <summary>Adversarial training: that epoch's weights, one array per parameter (null when none kept).</summary>
    internal float[][]? BestWeights { get; init; }
}
