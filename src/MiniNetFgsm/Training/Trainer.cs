using System.Diagnostics;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
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
public sealed record EpochResult(int Epoch, double TrainLoss, double TestAccuracy, double Seconds);

/// <summary>Mini-batch training with shuffling, one optimizer step per batch.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains <paramref name="model"/> in place: each epoch shuffles the training set with a generator seeded from
    /// <see cref="TrainingOptions.Seed"/> and the epoch number, and for every batch runs forward (training mode),
    /// softmax cross-entropy, backward (parameter gradients only) and one optimizer step. The test set, when given,
    /// is evaluated after each epoch.
    /// </summary>
    public static IReadOnlyList<EpochResult> Train(
        Sequential model, LabeledImages train, LabeledImages? test, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, Action<EpochResult>? epochCompleted = null)
    {
        options.Validate();
        model.Threads = options.Threads;
        Optimizer optimizer = Optimizer.Create(options.Optimizer, model.Parameters, options.LearningRate, options.WeightDecay);
        var loss = new SoftmaxCrossEntropy();
        var batch = new Batch();
        int[] order = Enumerable.Range(0, train.Count).ToArray();
        int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var results = new List<EpochResult>();
        var clock = Stopwatch.StartNew();
        long imagesDone = 0, imagesTotal = (long)train.Count * options.Epochs;

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            new Random(unchecked(options.Seed * 1_000_003 + epoch)).Shuffle(order);   // not HashCode: it is randomised per process
            double epochLoss = 0;
            var epochClock = Stopwatch.StartNew();
            for (int b = 0; b < batches; b++)
            {
                int start = b * options.BatchSize, count = Math.Min(options.BatchSize, train.Count - start);
                batch.Fill(train, order.AsSpan(start, count));

                model.ZeroGradients();
                epochLoss += loss.Forward(model.Forward(batch.Images, training: true), batch.Labels);
                model.Backward(loss.Backward(), needInputGradient: false);
                optimizer.Step();

                imagesDone += count;
                if (progress is not null)
                {
                    double rate = imagesDone / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    progress.Report(new TrainingProgress(
                        epoch, options.Epochs, b + 1, batches, epochLoss / (b + 1), rate,
                        TimeSpan.FromSeconds((imagesTotal - imagesDone) / Math.Max(rate, 1e-9))));
                }
            }

            double seconds = epochClock.Elapsed.TotalSeconds;
            double accuracy = test is null ? double.NaN : Evaluator.Evaluate(model, test).Accuracy;
            var result = new EpochResult(epoch, epochLoss / batches, accuracy, seconds);
            results.Add(result);
            epochCompleted?.Invoke(result);
        }

        return results;
    }
}
