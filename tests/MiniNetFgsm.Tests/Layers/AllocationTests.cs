using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Layers;

/// <summary>The hot path allocates nothing once buffers are sized for the batch shape (single-threaded: each replica runs so).</summary>
/// <remarks>
/// Alone, not beside other test classes: in the full parallel suite the lenet step once measured 6,632 bytes (1 run
/// in 4) while it measures 0 alone, most likely a collection triggered by another test's thread retiring this thread's
/// allocation context mid-measurement. Run alone, 6 full-suite runs out of 6 measured 0; later, with the throughput
/// tests (hundreds of MB allocated) in the same collection, the lenet step failed once in 4 full-suite runs again, so
/// each measurement now starts after a full collection and the least of three is kept (<see cref="Allocations"/>).
/// </remarks>
[Collection("Allocation")]
public class AllocationTests
{
    [Theory]
    [InlineData(ModelZoo.LeNet)]
    [InlineData(ModelZoo.MnistCnn)]
    public void TrainingStep_AfterWarmUp_AllocatesNothing(string architecture)
    {
        Sequential model = ModelZoo.Create(architecture);
        model.Threads = 1;
        var optimizer = new Adam(model.Parameters);
        var loss = new SoftmaxCrossEntropy();
        var x = new Tensor(TestData.Uniform(new Random(1), 8 * 28 * 28, 0, 1), 8, 1, 28, 28);
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        void Step()
        {
            model.ZeroGradients();
            loss.Forward(model.Forward(x, training: true), labels);
            model.Backward(loss.Backward(), needInputGradient: true);
            optimizer.Step();
        }

        Assert.Equal(0, AllocatedAfterWarmUp(Step));
    }

    [Theory]
    [InlineData(ModelZoo.LeNet)]
    [InlineData(ModelZoo.MnistCnn)]
    public void AdversarialTrainingStep_AfterWarmUp_AllocatesNothing(string architecture)
    {
        Sequential model = ModelZoo.Create(architecture);
        model.Threads = 1;
        var optimizer = new Adam(model.Parameters);
        var loss = new SoftmaxCrossEntropy();
        var examples = new FastFgsmExamples(model, new AdversarialTrainingOptions { Epsilon = 0.3f }, seed: 1);
        var x = new Tensor(TestData.Uniform(new Random(1), 8 * 28 * 28, 0, 1), 8, 1, 28, 28);
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        int position = 0;
        void Step()
        {
            model.ZeroGradients();
            Tensor xAdv = examples.Make(x, labels, epoch: 1, firstPosition: position += 8);
            loss.Forward(model.Forward(xAdv, training: true), labels);
            model.Backward(loss.Backward(), needInputGradient: false);
            optimizer.Step();
        }

        Assert.Equal(0, AllocatedAfterWarmUp(Step));
    }

    private static long AllocatedAfterWarmUp(Action step) => Allocations.LeastAfterWarmUp(step);
}

/// <summary>The allocation tests run one at a time and never beside another test class.</summary>
[CollectionDefinition("Allocation", DisableParallelization = true)]
public sealed class AllocationCollection;
