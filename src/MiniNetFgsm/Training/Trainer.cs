using System.Diagnostics;
using System.Numerics.Tensors;
using MiniNetFgsm.Data;
using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;

namespace MiniNetFgsm.Training;

/// <summary>Where a training run is: sent after every mini-batch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Mean training loss so far in this epoch.</param>
/// <param name="ImagesPerSecond">Throughput so far in this run.</param>
/// <param name="Remaining">Estimated time left for the training (excluding evaluation).</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double ImagesPerSecond, TimeSpan Remaining);

/// <summary>The summary of one epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss over the epoch.</param>
/// <param name="TestAccuracy">Accuracy on the test set after the epoch (NaN when no test set was given).</param>
/// <param name="Seconds">Wall time of the epoch's training.</param>
public sealed record EpochResult(int Epoch, double TrainLoss, double TestAccuracy, double Seconds)
{
    /// <summary>Adversarial training only: accuracy under PGD on the first test images after this epoch (else NaN).</summary>
    public double RobustAccuracy { get; init; } = double.NaN;

    /// <summary>Adversarial training only: robust accuracy collapsed in this epoch (catastrophic overfitting); training stopped.</summary>
    public bool CatastrophicOverfitting { get; init; }

    /// <summary>When training stopped on a collapse: the epoch whose weights were restored (the most robust one).</summary>
    public int? RestoredEpoch { get; init; }
}

/// <summary>Mini-batch training with shuffling, one optimizer step per batch.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains <paramref name="model"/> in place: each epoch shuffles the training set with a generator seeded from
    /// <see cref="TrainingOptions.Seed"/> and the epoch number, and for every batch runs forward (training mode),
    /// softmax cross-entropy, backward (parameter gradients only) and one optimizer step. The test set, when given,
    /// is evaluated after each epoch. With several threads, each batch is split across <see cref="ModelReplicas"/>.
    /// </summary>
    /// <remarks>
    /// <para>Divergence guard: a batch whose loss is NaN, infinite or above <see cref="TrainingOptions.MaxLoss"/> throws
    /// <see cref="TrainingDivergedException"/> before its optimizer step.</para>
    /// <para>Checkpoints: <paramref name="checkpoint"/>, when given, receives the <see cref="TrainingState"/> after every epoch
    /// (the model then holds that epoch's weights). When <paramref name="cancellation"/> is signalled, the batch in progress
    /// finishes, <paramref name="checkpoint"/> receives the state at that point, and <see cref="OperationCanceledException"/>
    /// is thrown.</para>
    /// <para>Resuming: pass the model and state a checkpoint held as <paramref name="model"/> and <paramref name="resume"/>,
    /// with the same settings (<paramref name="options"/>, thread count included) and training set. The run continues
    /// from the next batch and ends with weights bit-identical to an uninterrupted run's; the returned list starts with
    /// the epochs done before.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">The options are invalid, or <paramref name="resume"/> does not fit them, the model or <paramref name="train"/>.</exception>
    public static IReadOnlyList<EpochResult> Train(
        Sequential model, LabeledImages train, LabeledImages? test, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, Action<EpochResult>? epochCompleted = null,
        TrainingState? resume = null, Action<TrainingState>? checkpoint = null, CancellationToken cancellation = default)
    {
        options.Validate();
        using var replicas = new ModelReplicas(model, options.Threads, options.Seed);
        Optimizer optimizer = Optimizer.Create(options.Optimizer, model.Parameters, options.LearningRate, options.WeightDecay);
        optimizer.Threads = options.Threads;
        Dropout[][] dropouts = Enumerable.Range(0, replicas.Count)
            .Select(r => replicas[r].Layers.Select(l => l.Layer).OfType<Dropout>().ToArray()).ToArray();
        var losses = Enumerable.Range(0, replicas.Count).Select(_ => new SoftmaxCrossEntropy()).ToArray();
        var slices = Enumerable.Range(0, replicas.Count).Select(_ => new Batch()).ToArray();
        FastFgsmExamples[]? adversarial = options.Adversarial is null
            ? null
            : Enumerable.Range(0, replicas.Count).Select(r => new FastFgsmExamples(replicas[r], options.Adversarial, options.Seed)).ToArray();
        var monitor = new RobustnessMonitor(model, options.Adversarial?.CollapseRatio ?? 0);
        double[] sliceLoss = new double[replicas.Count];
        int[] order = Enumerable.Range(0, train.Count).ToArray();
        int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var results = new List<EpochResult>();
        int firstEpoch = 1, firstBatch = 0;
        double resumedLoss = 0;
        if (resume is not null)
        {
            Restore(resume, options, train, optimizer, dropouts, monitor);
            results.AddRange(resume.History);
            (firstEpoch, firstBatch, resumedLoss) = (resume.Epoch, resume.Batch, resume.EpochLoss);
            for (int e = 1; e < firstEpoch; e++)
            {
                Shuffle(order, options.Seed, e);        // each epoch shuffles the previous epoch's order
            }
        }

        var clock = Stopwatch.StartNew();
        long imagesDone = Math.Min((long)train.Count * (firstEpoch - 1) + (long)firstBatch * options.BatchSize, (long)train.Count * options.Epochs);
        long imagesTotal = (long)train.Count * options.Epochs, imagesAtStart = imagesDone;

        // The state a checkpoint keeps, copied out at the start of batch `batch` of `epoch` (batch 0 of epoch e + 1 = end of epoch e).
        TrainingState Snapshot(int atEpoch, int atBatch, double loss) => new(options, train.Count, atEpoch, atBatch, results.ToArray())
        {
            EpochLoss = loss,
            LearningRate = optimizer.LearningRate,
            OptimizerSteps = optimizer.Steps,
            OptimizerBuffers = [.. optimizer.StateBuffers.Select(b => (b.Name, b.PerParameter.Select(a => (float[])a.Clone()).ToArray()))],
            Dropout = [.. dropouts.Select(SaveDropout)],
            BestRobustAccuracy = monitor.BestAccuracy,
            BestRobustEpoch = monitor.BestEpoch,
            BestWeights = monitor.BestWeights?.Select(a => (float[])a.Clone()).ToArray(),
        };

        // One delegate for the whole run, over method-level variables: a lambda inside the batch loop would allocate its
        // captured locals and itself for every batch.
        int epoch = 0, start = 0, count = 0;
        Action<int> trainSlice = r =>
        {
            // Replica r trains on its slice of the batch. Its loss is the mean over the slice, so its
            // gradient is scaled by slice/batch: the sum over replicas is then the gradient of the batch mean.
            // Each replica zeroes its own gradients on its own thread, so they stay in that core's cache.
            (int offset, int n) = replicas.Slice(r, count);
            Sequential replica = replicas[r];
            replica.ZeroGradients();
            sliceLoss[r] = 0;
            if (n == 0)
            {
                return;
            }

            Batch slice = slices[r].Fill(train, order.AsSpan(start + offset, n));
            Tensor input = adversarial is null ? slice.Images : adversarial[r].Make(slice.Images, slice.Labels, epoch, start + offset);
            sliceLoss[r] = losses[r].Forward(replica.Forward(input, training: true), slice.Labels) * (double)n / count;
            Tensor dLogits = losses[r].Backward();
            TensorPrimitives.Multiply(dLogits.Span, (float)n / count, dLogits.Span);
            replica.Backward(dLogits, needInputGradient: false);
        };

        for (epoch = firstEpoch; epoch <= options.Epochs; epoch++)
        {
            Shuffle(order, options.Seed, epoch);
            bool resumedEpoch = epoch == firstEpoch && resume is not null;
            double epochLoss = resumedEpoch ? resumedLoss : 0;
            var epochClock = Stopwatch.StartNew();
            for (int b = resumedEpoch ? firstBatch : 0; b < batches; b++)
            {
                if (cancellation.IsCancellationRequested)
                {
                    checkpoint?.Invoke(Snapshot(epoch, b, epochLoss));
                    cancellation.ThrowIfCancellationRequested();
                }

                start = b * options.BatchSize;
                count = Math.Min(options.BatchSize, train.Count - start);
                replicas.Run(trainSlice);
                double batchLoss = sliceLoss.Sum();
                if (!double.IsFinite(batchLoss) || batchLoss > options.MaxLoss)
                {
                    throw new TrainingDivergedException(epoch, b + 1, batches, batchLoss, options.MaxLoss);
                }

                replicas.ReduceGradients();
                if (options.LearningRateSchedule == LearningRateSchedule.Cyclic)
                {
                    optimizer.LearningRate = options.CyclicLearningRate(epoch - 1 + (b + 1.0) / batches);
                }

                optimizer.Step();
                epochLoss += batchLoss;

                imagesDone += count;
                if (progress is not null)
                {
                    double rate = (imagesDone - imagesAtStart) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    progress.Report(new TrainingProgress(
                        epoch, options.Epochs, b + 1, batches, epochLoss / (b + 1), rate,
                        TimeSpan.FromSeconds((imagesTotal - imagesDone) / Math.Max(rate, 1e-9))));
                }
            }

            optimizer.LearningRate *= options.LearningRateDecay;
            double seconds = epochClock.Elapsed.TotalSeconds;
            double accuracy = test is null ? double.NaN : Evaluator.Evaluate(replicas, test, Math.Max(1, replicas.Slice(replicas.Count - 1, options.BatchSize).Count)).Accuracy;
            var result = new EpochResult(epoch, epochLoss / batches, accuracy, seconds);
            if (options.Adversarial is { RobustImages: > 0 } settings && test is not null)
            {
                double robust = RobustAccuracy(model, test, settings, options);
                bool collapsed = monitor.Observe(epoch, robust);
                result = result with { RobustAccuracy = robust, CatastrophicOverfitting = collapsed };
                if (collapsed)
                {
                    result = result with { RestoredEpoch = monitor.RestoreBest() };
                }
            }

            results.Add(result);
            epochCompleted?.Invoke(result);
            checkpoint?.Invoke(Snapshot(result.CatastrophicOverfitting ? options.Epochs + 1 : epoch + 1, 0, 0));
            if (result.CatastrophicOverfitting)
            {
                break;
            }
        }

        return results;
    }

    /// <summary>The order of epoch <paramref name="epoch"/>: a Fisher–Yates shuffle of the previous epoch's, seeded from the seed and the epoch number.</summary>
    private static void Shuffle(int[] order, int seed, int epoch)
        => new Random(unchecked(seed * 1_000_003 + epoch)).Shuffle(order);   // not HashCode: it is randomised per process

    private static uint[] SaveDropout(Dropout[] layers)
    {
        var state = new uint[layers.Length * DropoutMask.StateWords];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i].SaveState(state.AsSpan(i * DropoutMask.StateWords, DropoutMask.StateWords));
        }

        return state;
    }

    /// <summary>Puts <paramref name="state"/> back into the optimizer, the dropout layers and the monitor, after checking that it fits this run.</summary>
    private static void Restore(TrainingState state, TrainingOptions options, LabeledImages train, Optimizer optimizer, Dropout[][] dropouts, RobustnessMonitor monitor)
    {
        if (!TrainingCheckpoint.SameSettings(state.Options, options))
        {
            throw new ArgumentException("The options differ from the ones the training state was saved with; a resumed run must use the same settings and thread count.");
        }

        if (state.TrainImages != train.Count)
        {
            throw new ArgumentException($"The training state is of a run on {state.TrainImages} training images; this training set has {train.Count}.");
        }

        if (state.Dropout.Length != dropouts.Length || state.Dropout.Where((d, r) => d.Length != dropouts[r].Length * DropoutMask.StateWords).Any())
        {
            throw new ArgumentException($"The training state holds dropout generators for {state.Dropout.Length} replica(s); this run has {dropouts.Length} of this model.");
        }

        IReadOnlyList<(string Name, float[][] PerParameter)> buffers = optimizer.StateBuffers;
        for (int i = 0; i < buffers.Count; i++)
        {
            (string name, float[][] target) = buffers[i];
            float[][] saved = state.OptimizerBuffers.FirstOrDefault(b => b.Name == name).PerParameter
                ?? throw new ArgumentException($"The training state has no optimizer buffer '{name}'.");
            if (saved.Length != target.Length || saved.Where((a, k) => a.Length != target[k].Length).Any())
            {
                throw new ArgumentException($"The training state's optimizer buffer '{name}' does not match the model's parameters.");
            }

            for (int k = 0; k < target.Length; k++)
            {
                saved[k].CopyTo(target[k], 0);
            }
        }

        optimizer.Steps = state.OptimizerSteps;
        optimizer.LearningRate = state.LearningRate;
        for (int r = 0; r < dropouts.Length; r++)
        {
            for (int i = 0; i < dropouts[r].Length; i++)
            {
                dropouts[r][i].RestoreState(state.Dropout[r].AsSpan(i * DropoutMask.StateWords, DropoutMask.StateWords));
            }
        }

        monitor.Restore(state.BestRobustAccuracy, state.BestRobustEpoch, state.BestWeights?.Select(a => (float[])a.Clone()).ToArray());
    }

    /// <summary>Robust accuracy (the caller's measure, at the training's eps) on the first test images, on every thread.</summary>
    private static double RobustAccuracy(Sequential model, LabeledImages test, AdversarialTrainingOptions settings, TrainingOptions options)
    {
        int threads = model.Threads;
        model.Threads = options.Threads;      // the training replicas run the master single-threaded
        try
        {
            LabeledImages images = test.Subset(0, Math.Min(settings.RobustImages, test.Count));
            return settings.MeasureRobustAccuracy!(model, images, settings.Epsilon, settings.RobustSteps, options.Seed);
        }
        finally
        {
            model.Threads = threads;
        }
    }
}
