using MiniNetFgsm.Benchmarking;
using MiniNetFgsm.Tests.Layers;
using MiniNetFgsm.Tests.Training;

namespace MiniNetFgsm.Tests.Benchmarking;

/// <summary>Process-wide allocation counts: never beside another test class.</summary>
[Collection("Allocation")]
public class ThroughputTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("infer")]
    [InlineData("fgsm")]
    public void Measure_LeNetOnTwoThreads_AllocatesAlmostNothingPerBatchOnceSetUp(string phase)
    {
        // The warm-up runs are 8 batches per thread (512 images), several of them in half a second; the measured run has
        // 32 more batches of 32. Activations reallocated per batch would show as tens to hundreds of KiB (conv1's output
        // alone is 32·10·24·24 floats, 720 KiB; fc1's input 40 KiB). The counter is process-wide, so the test host's own work shows too (up to 1.5 KiB
        // per batch seen in the full suite, where a lone run measures a few hundred bytes: the trainer's shuffled index
        // is 4 bytes per image); small per-call allocations are the calling-thread tests' business
        // (ParallelismTests, GemmTests, AllocationTests).
        ThroughputResult result = Throughput.Measure("lenet", phase, Mnist.Train(1_536), threads: 2, batch: 32, images: 1_536, warmUp: TimeSpan.FromSeconds(0.5));

        Assert.Equal(1_536, result.Images);
        Assert.NotNull(result.SteadyStateBytesPerBatch);
        Assert.InRange(result.SteadyStateBytesPerBatch!.Value, -16 * 1024, 16 * 1024);
        Assert.True(result.AllocatedBytes > 0);
    }
}
