using MiniNetFgsm.Benchmarking;
using MiniNetFgsm.Tests.Layers;
using MiniNetFgsm.Tests.Training;

namespace MiniNetFgsm.Tests.Benchmarking;

/// <summary>Allocation counts: never beside another test class.</summary>
[Collection("Allocation")]
public class ThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("train")]
    [InlineData("infer")]
    [InlineData("fgsm")]
    public void Measure_LeNetOnTwoThreads_AllocatesAlmostNothingPerBatchOnceSetUp(string phase)
    {
        // A fixed amount of work, never a time: three warm-up runs of 16 batches of 32 (8 per thread), then one measured
        // run of 48 batches; what the measured run allocates beyond the last warm-up run, over the 32 extra batches, is
        // what a batch costs once set up. Activations reallocated per batch would show as tens to hundreds of KiB
        // (conv1's output alone is 32·10·24·24 floats, 720 KiB; fc1's input 40 KiB), and replica 0 runs on the calling
        // thread, so its count is bounded: that count sees nothing else in the process (the test host's messages, the
        // JIT's background work), which made the process-wide one vary from run to run. What remains is setup that grows
        // with the image count (the trainer's shuffled index: 4 bytes per image, 128 per batch), and the JIT: code not yet
        // recompiled at full optimisation boxes a little more (fgsm's warm-up up to 240 bytes per batch more than the measured
        // run, seen on x64; a slower CPU, or qemu, recompiles later). Small per-call
        // allocations on the team's threads are the business of ParallelismTests, WorkerTeamTests and AllocationTests.
        ThroughputResult result = Throughput.Measure("lenet", phase, Mnist.Train(1_536), threads: 2, batch: 32, images: 1_536, warmUp: TimeSpan.Zero, warmUpRuns: 3);

        output.WriteLine($"{phase}: {result.CallerSteadyStateBytesPerBatch:0} bytes per batch on the calling thread, {result.SteadyStateBytesPerBatch:0} in the process");
        Assert.Equal(1_536, result.Images);
        Assert.NotNull(result.CallerSteadyStateBytesPerBatch);
        Assert.InRange(result.CallerSteadyStateBytesPerBatch!.Value, -4096, 4096);
        Assert.True(result.AllocatedBytes > 0);
    }
}
