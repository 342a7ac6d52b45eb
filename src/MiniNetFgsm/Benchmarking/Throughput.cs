using System.Diagnostics;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Benchmarking;

/// <summary>One measured phase.</summary>
/// <param name="Model">Architecture name.</param>
/// <param name="Phase"><c>train</c>, <c>infer</c> or <c>fgsm</c>.</param>
/// <param name="Threads">Threads used.</param>
/// <param name="Batch">Images per batch.</param>
/// <param name="Images">Images processed in the measured run.</param>
/// <param name="Seconds">Wall time of the measured run.</param>
/// <param name="FlopsPerImage">Matrix-product FLOPs per image of this phase (see <see cref="FlopCount"/>).</param>
/// <param name="Gen0Collections">Garbage collections during the measured run.</param>
/// <param name="AllocatedBytes">Bytes allocated during the measured run, including its one-time setup (model replicas,
/// optimizer state, layer buffers sized for the batch).</param>
/// <param name="SteadyStateBytesPerBatch">What the run allocates per batch once set up: the measured run's allocations
/// minus those of the last warm-up run, which does the same setup on fewer images, divided by the extra batches; null
/// when the two runs have the same number of batches or the warm-up was a single (first, so JIT-compiling) run. Setup that
/// grows with the image count still counts: the trainer's shuffled index is 4 bytes per image. The counter is
/// process-wide, so whatever else the process does meanwhile (a test host, the JIT's background work) counts too.</param>
/// <param name="CallerSteadyStateBytesPerBatch">The same difference counted on the calling thread alone
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>): it runs part 0 of every parallel step (replica 0 and the first
/// range of every reduction), so a buffer reallocated per batch shows here, and nothing else in the process does.</param>
public sealed record ThroughputResult(
    string Model, string Phase, int Threads, int Batch, int Images, double Seconds, double FlopsPerImage,
    int Gen0Collections, long AllocatedBytes, double? SteadyStateBytesPerBatch = null, double? CallerSteadyStateBytesPerBatch = null)
{
    /// <summary>Images / Seconds.</summary>
    public double ImagesPerSecond => Images / Seconds;

    /// <summary>Achieved GFLOP/s of the matrix products.</summary>
    public double GflopsPerSecond => FlopsPerImage * ImagesPerSecond / 1e9;
}

/// <summary>
/// End-to-end throughput of training, inference and FGSM on real images, measured after running the same code for
/// a warm-up time, <see cref="DefaultWarmUp"/> unless told otherwise (so the JIT has produced its optimised code and every buffer has been sized).
/// </summary>
public static class Throughput
{
    /// <summary>How long each phase runs before it is measured, unless told otherwise.</summary>
    public static TimeSpan DefaultWarmUp { get; } = TimeSpan.FromSeconds(2);

    /// <summary>The phases, in the order they are measured.</summary>
    public static IReadOnlyList<string> Phases { get; } = ["train", "infer", "fgsm"];

    /// <summary>Measures one phase of one architecture on the first <paramref name="images"/> images of <paramref name="data"/>.</summary>
    /// <param name="architecture">A <see cref="ModelZoo"/> architecture.</param>
    /// <param name="phase">One of <see cref="Phases"/>.</param>
    /// <param name="data">The images (at least <paramref name="images"/>).</param>
    /// <param name="threads">Worker threads.</param>
    /// <param name="batch">Images per batch.</param>
    /// <param name="images">Images in the measured run.</param>
    /// <param name="warmUp">How long to run the phase first (at least <paramref name="warmUpRuns"/> warm-up runs happen); null for <see cref="DefaultWarmUp"/>.</param>
    /// <param name="warmUpRuns">The fewest warm-up runs (of 8 batches per thread each); with <paramref name="warmUp"/>
    /// zero, exactly this many, so the allocation counts do not depend on how fast the CPU is.</param>
    public static ThroughputResult Measure(string architecture, string phase, LabeledImages data, int threads, int batch, int images, TimeSpan? warmUp = null, int warmUpRuns = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(warmUpRuns, 1);
        if (images > data.Count)
        {
            throw new ArgumentException($"Only {data.Count} images are available, fewer than the {images} requested.");
        }

        Sequential model = ModelZoo.Create(architecture, seed: 1);
        model.Threads = threads;
        LabeledImages measured = data.Subset(0, images);
        LabeledImages warmUpImages = data.Subset(0, Math.Min(images, batch * 8 * threads));
        Action<LabeledImages> run = phase switch
        {
            "train" => set => Trainer.Train(model, set, null, new TrainingOptions { Epochs = 1, BatchSize = batch, LearningRate = 1e-3f, LearningRateSchedule = LearningRateSchedule.Step, Threads = threads }),
            "infer" => set => Evaluator.Evaluate(model, set, batch, threads),
            "fgsm" => set => FgsmSweep.Run(model, set, [0.1f], batch),
            _ => throw new ArgumentException($"Unknown phase '{phase}'; expected one of: {string.Join(", ", Phases)}."),
        };

        // Warm up for a while, not for a few batches: .NET compiles each method quickly first and recompiles the hot
        // ones with full optimisation (and profile-guided) only after they have run a while, so the first second of a
        // run is slower than every later one. PyTorch has no such phase; bench/peers/pytorch_reference.py warms up for
        // 5 batches.
        var warmUpClock = Stopwatch.StartNew();
        long warmUpAllocated = 0, warmUpOnCaller = 0;
        int runs = 0;
        do
        {
            long before = GC.GetTotalAllocatedBytes(precise: true), beforeOnCaller = GC.GetAllocatedBytesForCurrentThread();
            run(warmUpImages);
            warmUpOnCaller = GC.GetAllocatedBytesForCurrentThread() - beforeOnCaller;
            warmUpAllocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            runs++;
        }
        while (runs < warmUpRuns || warmUpClock.Elapsed < (warmUp ?? DefaultWarmUp));

        int gen0 = GC.CollectionCount(0);
        long allocated = GC.GetTotalAllocatedBytes(precise: true), onCaller = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        run(measured);
        double seconds = clock.Elapsed.TotalSeconds;
        long allocatedOnCaller = GC.GetAllocatedBytesForCurrentThread() - onCaller;
        long allocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        int collections = GC.CollectionCount(0) - gen0;

        int[] imageShape = [1, data.Rows, data.Cols];
        double flops = phase switch
        {
            "train" => FlopCount.TrainingStep(model, imageShape),
            "infer" => FlopCount.Forward(model, imageShape),
            _ => FlopCount.Fgsm(model, imageShape),
        };
        int extraBatches = Batches(images, batch) - Batches(warmUpImages.Count, batch);
        // The first run also allocates what the JIT and first-time initialisation need, so it is no baseline.
        bool baseline = extraBatches > 0 && runs >= 2;
        double? steady = baseline ? (double)(allocatedBytes - warmUpAllocated) / extraBatches : null;
        double? steadyOnCaller = baseline ? (double)(allocatedOnCaller - warmUpOnCaller) / extraBatches : null;
        return new ThroughputResult(architecture, phase, threads, batch, images, seconds, flops, collections, allocatedBytes, steady, steadyOnCaller);
    }

    private static int Batches(int images, int batch) => (images + batch - 1) / batch;
}
