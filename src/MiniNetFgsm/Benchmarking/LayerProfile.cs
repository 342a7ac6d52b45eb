using System.Diagnostics;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Benchmarking;

/// <summary>Where one training step's time goes, per layer.</summary>
/// <param name="Layer">The layer's name in the model, or <c>loss</c> (softmax cross-entropy forward and backward, both
/// counted as forward) or <c>optimizer</c> (the Adam step, counted as backward).</param>
/// <param name="ForwardMicroseconds">Mean forward time per batch.</param>
/// <param name="BackwardMicroseconds">Mean backward time per batch (input and parameter gradients, as in training).</param>
public sealed record LayerTiming(string Layer, double ForwardMicroseconds, double BackwardMicroseconds)
{
    /// <summary>Forward plus backward.</summary>
    public double TotalMicroseconds => ForwardMicroseconds + BackwardMicroseconds;
}

/// <summary>
/// Times every layer of a training step on one thread, as one replica of a data-parallel run does: the stage that
/// dominates is the one to optimise. Measured after warm-up batches, on real images.
/// </summary>
/// <remarks>
/// With <c>copies</c> &gt; 1, that many independent profiles run at once, one per thread, as the replicas of a
/// data-parallel step do: the layers that slow down then are the ones limited by shared memory bandwidth and cache
/// rather than by their own core. The result is the mean over the copies.
/// </remarks>
public static class LayerProfile
{
    /// <summary>Runs <paramref name="batches"/> training steps of <paramref name="batch"/> images and returns the mean time of each stage.</summary>
    /// <param name="architecture">A <see cref="ModelZoo"/> architecture.</param>
    /// <param name="data">Images to train on (at least one batch).</param>
    /// <param name="batch">Images per step.</param>
    /// <param name="batches">Measured steps, after 3 warm-up steps.</param>
    /// <param name="copies">Profiles run at the same time, each on its own thread.</param>
    public static IReadOnlyList<LayerTiming> Measure(string architecture, LabeledImages data, int batch, int batches, int copies = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        if (data.Count < batch)
        {
            throw new ArgumentException($"The layer profile needs at least one batch of {batch} images; the data has {data.Count}.");
        }

        var results = new IReadOnlyList<LayerTiming>[copies];
        using (var team = new WorkerTeam(copies))       // one thread per copy, all running at once
        {
            team.Run(copy => results[copy] = MeasureOne(architecture, data, batch, batches));
        }

        return results[0]
            .Select((t, i) => new LayerTiming(t.Layer, results.Average(r => r[i].ForwardMicroseconds), results.Average(r => r[i].BackwardMicroseconds)))
            .ToList();
    }

    private static IReadOnlyList<LayerTiming> MeasureOne(string architecture, LabeledImages data, int batch, int batches)
    {
        Sequential model = ModelZoo.Create(architecture, seed: 1);
        model.Threads = 1;
        var loss = new SoftmaxCrossEntropy();
        Optimizer optimizer = Optimizer.Create(OptimizerKind.Adam, model.Parameters, 1e-3f, 0f);
        int stages = model.Layers.Count;
        double[] forward = new double[stages + 2], backward = new double[stages + 2];
        var slice = new Batch();
        const int warmUp = 3;
        for (int step = 0; step < warmUp + batches; step++)
        {
            bool measured = step >= warmUp;
            slice.Fill(data, step * batch % Math.Max(1, data.Count - batch), batch);
            model.ZeroGradients();
            Tensor x = slice.Images;
            for (int i = 0; i < stages; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                x = model.Layers[i].Layer.Forward(x, training: true);
                forward[i] += measured ? Stopwatch.GetElapsedTime(t0).TotalMicroseconds : 0;
            }

            long l0 = Stopwatch.GetTimestamp();
            loss.Forward(x, slice.Labels);
            Tensor? gradient = loss.Backward();
            forward[stages] += measured ? Stopwatch.GetElapsedTime(l0).TotalMicroseconds : 0;
            for (int i = stages - 1; i >= 0; i--)
            {
                long t0 = Stopwatch.GetTimestamp();
                gradient = model.Layers[i].Layer.Backward(gradient!, needInputGradient: i > 0);
                backward[i] += measured ? Stopwatch.GetElapsedTime(t0).TotalMicroseconds : 0;
            }

            long o0 = Stopwatch.GetTimestamp();
            optimizer.Step();
            backward[stages + 1] += measured ? Stopwatch.GetElapsedTime(o0).TotalMicroseconds : 0;
        }

        var timings = new List<LayerTiming>();
        for (int i = 0; i < stages + 2; i++)
        {
            string name = i < stages ? model.Layers[i].Name : i == stages ? "loss" : "optimizer";
            timings.Add(new LayerTiming(name, forward[i] / batches, backward[i] / batches));
        }

        return timings;
    }
}
