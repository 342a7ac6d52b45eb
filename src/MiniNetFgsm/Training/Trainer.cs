using System.Diagnostics;
using System.Numerics.Tensors;
using MiniNetFgsm.Data;
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
    public static IReadOnlyList<EpochResult> Train(
        Sequential model, LabeledImages train, LabeledImages? test, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, Action<EpochResult>? epochCompleted = null)
    {
        options.Validate();
        using var replicas = new ModelReplicas(model, options.Threads, options.Seed);
        Optimizer optimizer = Optimizer.Create(options.Optimizer, model.Parameters, options.LearningRate, options.WeightDecay);
        optimizer.Threads = options.Threads;
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
        var clock = Stopwatch.StartNew();
        long imagesDone = 0, imagesTotal = (long)train.Count * options.Epochs;

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

        for (epoch = 1; epoch <= options.Epochs; epoch++)
        {
            new Random(unchecked(options.Seed * 1_000_003 + epoch)).Shuffle(order);   // not HashCode: it is randomised per process
            double epochLoss = 0;
            var epochClock = Stopwatch.StartNew();
            for (int b = 0; b < batches; b++)
            {
                start = b * options.BatchSize;
                count = Math.Min(options.BatchSize, train.Count - start);
                replicas.Run(trainSlice);
                replicas.ReduceGradients();
                if (options.LearningRateSchedule == LearningRateSchedule.Cyclic)
                {
                    optimizer.LearningRate = options.CyclicLearningRate(epoch - 1 + (b + 1.0) / batches);
                }

                optimizer.Step();
                epochLoss += sliceLoss.Sum();

                imagesDone += count;
                if (progress is not null)
                {
                    double rate = imagesDone / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
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
            if (result.CatastrophicOverfitting)
            {
                break;
            }
        }

        return results;
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
