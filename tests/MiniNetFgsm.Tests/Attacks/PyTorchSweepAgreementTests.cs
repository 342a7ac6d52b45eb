using System.Globalization;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Attacks;

/// <summary>
/// A LeNet trained by PyTorch (Fixtures/pytorch/train_lenet.py) and attacked by PyTorch gives a sweep
/// (lenet_pytorch_sweep.csv); loading the same weights here and running our FGSM over the same 10,000 test
/// images must give the same robust accuracy within 0.3 percentage points at every eps.
/// </summary>
public class PyTorchSweepAgreementTests(ITestOutputHelper output)
{
    private const double TolerancePercentagePoints = 0.3;

    [Fact]
    public void FgsmSweep_OnPyTorchTrainedLeNet_MatchesPyTorchSweepWithin0Point3Points()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch");
        LoadedModel loaded = ModelFile.Load(Path.Combine(folder, "lenet_pytorch.safetensors"));
        loaded.Model.Threads = Environment.ProcessorCount;
        var expected = File.ReadAllLines(Path.Combine(folder, "lenet_pytorch_sweep.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Select(f => (Epsilon: float.Parse(f[0], CultureInfo.InvariantCulture), Accuracy: double.Parse(f[1], CultureInfo.InvariantCulture)))
            .ToArray();
        MnistDataset data = MnistDataset.Load(MnistDataset.FindDefaultDirectory()!);

        IReadOnlyList<FgsmSweepRow> rows = FgsmSweep.Run(loaded.Model, data.Test, expected.Select(e => e.Epsilon).ToArray());

        Assert.Equal(expected.Length, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            double difference = 100 * Math.Abs(rows[i].Accuracy - expected[i].Accuracy);
            output.WriteLine($"eps {expected[i].Epsilon:0.00}: ours {rows[i].Accuracy:0.0000}, PyTorch {expected[i].Accuracy:0.0000}, |diff| {difference:0.00} pp");
            Assert.True(difference <= TolerancePercentagePoints, $"eps {expected[i].Epsilon}: {difference:0.00} pp apart");
        }
    }
}
