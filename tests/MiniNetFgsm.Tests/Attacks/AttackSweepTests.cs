using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Tests.Training;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Attacks;

public class AttackSweepTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    public void Run_MethodFgsmOnOneAndTwoThreads_GivesTheSameCounts(int batchSize)
    {
        LabeledImages data = Mnist.Test(1_000);
        Sequential a = TrainedLeNet.Create(), b = TrainedLeNet.Create();
        a.Threads = 1;
        b.Threads = 2;

        IReadOnlyList<AttackSweepRow> one = AttackSweep.Run(a, data, FgsmSweep.DefaultEpsilons, new AttackOptions(), batchSize);
        IReadOnlyList<AttackSweepRow> two = AttackSweep.Run(b, data, FgsmSweep.DefaultEpsilons, new AttackOptions(), batchSize);

        // Every batch is attacked the same way on either replica; only the order of the confidence sum changes.
        Assert.Equal(one.Select(r => (r.Epsilon, r.Correct, r.AttackSuccessRate)), two.Select(r => (r.Epsilon, r.Correct, r.AttackSuccessRate)));
        Assert.All(one.Zip(two), p => Assert.Equal(p.First.MeanAdversarialConfidence, p.Second.MeanAdversarialConfidence, 12));
        Assert.All(one, r => Assert.True(double.IsNaN(r.TargetedSuccessRate)));
    }

    [Fact]
    public void Run_BimOneStepOfSizeEps_EqualsFgsmSweep()
    {
        LabeledImages data = Mnist.Test(500);

        FgsmSweepRow fgsm = FgsmSweep.Run(TrainedLeNet.Create(), data, [0.15f]).Single();
        AttackSweepRow bim = AttackSweep.Run(TrainedLeNet.Create(), data, [0.15f], new AttackOptions { Method = AttackMethod.Bim, Steps = 1, StepSize = 0.15f }).Single();

        Assert.Equal((fgsm.Correct, fgsm.AttackSuccessRate, fgsm.MeanAdversarialConfidence), (bim.Correct, bim.AttackSuccessRate, bim.MeanAdversarialConfidence));
    }

    [Theory]
    [InlineData(AttackMethod.Targeted)]
    [InlineData(AttackMethod.Bim)]
    [InlineData(AttackMethod.Pgd)]
    public void Run_SameOptionsAndThreads_GiveIdenticalRows(AttackMethod method)
    {
        LabeledImages data = Mnist.Test(300);
        var options = new AttackOptions { Method = method, Steps = 3, Restarts = method == AttackMethod.Pgd ? 2 : 1, Seed = 5 };

        IReadOnlyList<AttackSweepRow> first = AttackSweep.Run(TrainedLeNet.Create(), data, [0f, 0.1f, 0.2f], options);
        IReadOnlyList<AttackSweepRow> second = AttackSweep.Run(TrainedLeNet.Create(), data, [0f, 0.1f, 0.2f], options);

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(AttackMethod.Targeted)]
    [InlineData(AttackMethod.Bim)]
    [InlineData(AttackMethod.Pgd)]
    public void Run_EpsZero_AccuracyIsTheCleanAccuracyAndNoAttackSucceeds(AttackMethod method)
    {
        Sequential model = TrainedLeNet.Create();
        LabeledImages data = Mnist.Test(300);
        EvaluationResult clean = Evaluator.Evaluate(model, data);

        AttackSweepRow row = AttackSweep.Run(model, data, [0f], new AttackOptions { Method = method, Steps = 2 }).Single();

        Assert.Equal(clean.Correct, row.Correct);
        Assert.Equal(0.0, row.AttackSuccessRate);
        Assert.Equal(method == AttackMethod.Targeted, !double.IsNaN(row.TargetedSuccessRate));
    }

    [Fact]
    public void Run_OneBatchOrManyBatches_SamePgdRows()
    {
        // The random start of an image is keyed by its index in the data set, not by its batch.
        LabeledImages data = Mnist.Test(200);
        var options = new AttackOptions { Method = AttackMethod.Pgd, Steps = 2 };

        IReadOnlyList<AttackSweepRow> whole = AttackSweep.Run(TrainedLeNet.Create(), data, [0.1f], options, batchSize: 200);
        IReadOnlyList<AttackSweepRow> pieces = AttackSweep.Run(TrainedLeNet.Create(), data, [0.1f], options, batchSize: 64);

        Assert.Equal(whole, pieces);
    }

    [Theory]
    [InlineData(-0.01f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    public void Run_EpsOutsideZeroOne_ThrowsArgumentOutOfRange(float eps)
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => AttackSweep.Run(model, Mnist.Test(10), [0f, eps], new AttackOptions { Method = AttackMethod.Pgd }));

        Assert.Contains("[0, 1]", ex.Message);
    }

    [Fact]
    public void Run_InvalidOptions_ThrowsBeforeAttacking()
    {
        Sequential model = ModelZoo.Create(ModelZoo.LeNet);

        var ex = Assert.Throws<ArgumentException>(() => AttackSweep.Run(model, Mnist.Test(10), [0.1f], new AttackOptions { Method = AttackMethod.Pgd, Steps = 0 }));

        Assert.Contains("Steps", ex.Message);
    }
}

public class AttackOptionsTests
{
    [Theory]
    [InlineData(AttackMethod.Fgsm)]
    [InlineData(AttackMethod.Targeted)]
    [InlineData(AttackMethod.Bim)]
    [InlineData(AttackMethod.Pgd)]
    public void Validate_Defaults_Pass(AttackMethod method) => new AttackOptions { Method = method }.Validate();

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_BadSetting_ThrowsArgumentExceptionNamingIt(AttackOptions options, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(expected, ex.Message);
    }

    public static TheoryData<AttackOptions, string> BadOptions() => new()
    {
        { new AttackOptions { Method = (AttackMethod)7 }, "Unknown attack method 7" },
        { new AttackOptions { Method = AttackMethod.Pgd, Steps = 0 }, "Steps must be at least 1 (got 0)" },
        { new AttackOptions { Method = AttackMethod.Bim, StepSize = 0f }, "Step size must be a positive number (got 0)" },
        { new AttackOptions { Method = AttackMethod.Bim, StepSize = float.NaN }, "Step size must be a positive number" },
        { new AttackOptions { Method = AttackMethod.Pgd, Restarts = 0 }, "Restarts must be at least 1 (got 0)" },
        { new AttackOptions { Method = AttackMethod.Bim, Restarts = 2 }, "Restarts above 1 need a random start" },
        { new AttackOptions { Method = AttackMethod.Targeted, TargetClass = 10 }, "Target class must be in 0..9 (got 10)" },
        { new AttackOptions { Method = AttackMethod.Targeted, TargetClass = -1 }, "Target class must be in 0..9 (got -1)" },
    };
}
