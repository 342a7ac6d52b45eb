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
        // 32 more batches of 32. A
        // buffer allocated per batch would show as kilobytes (lenet's smallest activation is 32·6·14·14 floats, 147 KiB);
        // what remains is setup that grows with the image count: the trainer's shuffled index, 4 bytes per image.
        ThroughputResult result = Throughput.Measure("lenet", phase, Mnist.Train(1_536), threads: 2, batch: 32, images: 1_536, warmUp: TimeSpan.FromSeconds(0.5));

        Assert.Equal(1_536, result.Images);
        Assert.NotNull(result.SteadyStateBytesPerBatch);
        Assert.InRange(result.SteadyStateBytesPerBatch!.Value, -1024, 1024);
        Assert.True(result.AllocatedBytes > 0);
    }
}
