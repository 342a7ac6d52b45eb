using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Kernels;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Tests.Training;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Attacks;

/// <summary>
/// The exact minimal-eps search on the PyTorch-trained LeNet (Fixtures/pytorch/lenet_pytorch.safetensors) and real
/// MNIST test images. The checks evaluate the model themselves, image by image, independently of the search code.
/// </summary>
public class MinimalFgsmTests(ITestOutputHelper output)
{
    private const int Images = 300;
    private const int BatchSize = 64;

    private static readonly Lazy<MinimalFgsmResult> Searched = new(() => MinimalFgsm.Search(Model(threads: 2), Mnist.Test(Images)));

    [Fact]
    public void Search_EveryFoundImage_IsFlippedAtMinKAndNotAtAnySmallerK()
    {
        MinimalFgsmResult result = Searched.Value;
        (float[] x, float[] gradients) = PixelsAndGradients(Model(threads: 1), Mnist.Test(Images));
        Sequential model = Model(threads: 1);
        int checkedImages = 0;

        foreach (MinimalEpsilon r in result.Images.Where(r => r.MinK >= 1))
        {
            int k = r.MinK!.Value;
            Assert.NotEqual(r.Label, PredictAlone(model, x, gradients, r.Index, k));
            for (int j = 0; j < k; j++)
            {
                Assert.Equal(r.Label, PredictAlone(model, x, gradients, r.Index, j));
            }

            checkedImages++;
        }

        output.WriteLine($"{checkedImages} images flipped at min_k and at no smaller k (each evaluated alone, batch of 1)");
        Assert.True(checkedImages > Images / 2, $"only {checkedImages} images were fooled");
    }

    [Fact]
    public void Search_AgreesWithABruteForceScanOfEveryK()
    {
        LabeledImages data = Mnist.Test(Images);
        (float[] x, float[] gradients) = PixelsAndGradients(Model(threads: 1), data);
        Sequential model = Model(threads: 1);
        int pixels = data.PixelsPerImage;
        int?[] firstFlip = new int?[Images];
        var adversarial = new Tensor(Images, 1, data.Rows, data.Cols);
        int[] predicted = new int[Images];
        float[] confidence = new float[Images];
        int[] labels = new int[Images];
        data.CopyLabelsTo(0, Images, labels);

        // Every image at every k, all 300 in one batch: no active set, no early exit.
        for (int k = 0; k <= MinimalFgsm.MaxGridStep; k++)
        {
            for (int i = 0; i < Images; i++)
            {
                FgsmKernels.StepReference(x.AsSpan(i * pixels, pixels), gradients.AsSpan(i * pixels, pixels), k / 255f, adversarial.Span.Slice(i * pixels, pixels));
            }

            Predictions.Compute(model.Forward(adversarial, training: false), predicted, confidence);
            for (int i = 0; i < Images; i++)
            {
                firstFlip[i] ??= predicted[i] != labels[i] ? k : null;
            }
        }

        Assert.Equal(firstFlip, Searched.Value.Images.Select(r => r.MinK).ToArray());
        output.WriteLine($"brute force and search agree on all {Images} images ({firstFlip.Count(f => f is null)} never fooled)");
    }

    [Fact]
    public void Search_OneThreadAndTwoThreads_GiveIdenticalResults()
    {
        MinimalFgsmResult one = MinimalFgsm.Search(Model(threads: 1), Mnist.Test(Images));

        Assert.Equal(one.Images, Searched.Value.Images);
        Assert.Equal(one.AdversarialPixels, Searched.Value.AdversarialPixels);
    }

    [Fact]
    public void Search_SmallMaxK_ReportsNotFoundWithThePredictionAtMaxK()
    {
        const int maxK = 3;
        MinimalFgsmResult result = MinimalFgsm.Search(Model(threads: 2), Mnist.Test(Images), maxK);

        Assert.All(result.Images, r => Assert.True(r.MinK is null or <= maxK));
        Assert.Contains(result.Images, r => r.MinK is null);
        Assert.All(result.Images.Where(r => r.MinK is null), r => Assert.Equal(r.Label, r.AdversarialPrediction));
        Assert.All(result.Images.Where(r => r.MinK is not null && r.MinK > 0), r => Assert.NotEqual(r.Label, r.AdversarialPrediction));
        // What is found within 3 steps is exactly what the full search finds at k ≤ 3.
        Assert.Equal(
            Searched.Value.Images.Select(r => r.MinK is <= maxK ? r.MinK : null),
            result.Images.Select(r => r.MinK));
    }

    [Fact]
    public void Search_CleanMistakes_HaveMinKZeroAndTheirCleanPrediction()
    {
        MinimalFgsmResult result = Searched.Value;

        Assert.All(result.Images, r => Assert.Equal(r.MinK == 0, r.CleanPrediction != r.Label));
        Assert.All(result.Images.Where(r => r.MinK == 0), r => Assert.Equal(r.CleanPrediction, r.AdversarialPrediction));
        Assert.Equal(result.Images.Select((_, i) => i), result.Images.Select(r => r.Index));
    }

    [Fact]
    public void Search_FooledAtExactEps_EqualsTheSweepAndOnTheGridNeverExceedsFooledWithin()
    {
        float[] epsilons = [0f, 0.05f, 13 / 255f, 26 / 255f, 51 / 255f, 77 / 255f];

        MinimalFgsmResult result = MinimalFgsm.Search(Model(threads: 2), Mnist.Test(Images), exactEpsilons: epsilons);
        IReadOnlyList<FgsmSweepRow> sweep = FgsmSweep.Run(Model(threads: 2), Mnist.Test(Images), epsilons);

        Assert.Equal(epsilons, result.ExactEpsilons);
        Assert.Equal(sweep.Select(r => r.Total - r.Correct), result.FooledAt);
        Assert.Equal(Searched.Value.Images, result.Images);
        for (int e = 1; e < epsilons.Length; e++)
        {
            // At a grid eps k/255, every image FGSM fools has min_k ≤ k; any surplus flipped back along the ray.
            int k = MinimalFgsm.GridSteps(epsilons[e]), within = result.Images.Count(r => r.MinK <= k);
            output.WriteLine($"eps {epsilons[e]:0.000} (k {k}): fooled within {within}, at exactly eps {result.FooledAt[e]} of {Images}");
            if (epsilons[e] == k / 255f)
            {
                Assert.True(within >= result.FooledAt[e], $"k {k}: within {within} < at {result.FooledAt[e]}");
                Assert.True(within - result.FooledAt[e] <= Images / 20, $"k {k}: within {within} and at {result.FooledAt[e]} are far apart");
            }
        }
    }

    [Fact]
    public void Search_AdversarialPixels_AreTheEightBitImageAtMinK()
    {
        MinimalFgsmResult result = Searched.Value;
        LabeledImages data = Mnist.Test(Images);
        (float[] x, float[] gradients) = PixelsAndGradients(Model(threads: 1), data);
        int pixels = data.PixelsPerImage;
        float[] xAdv = new float[pixels];

        foreach (MinimalEpsilon r in result.Images.Where(r => r.MinK >= 1).Take(50))
        {
            FgsmKernels.StepReference(x.AsSpan(r.Index * pixels, pixels), gradients.AsSpan(r.Index * pixels, pixels), r.MinK!.Value / 255f, xAdv);
            ReadOnlySpan<byte> clean = data.GetImage(r.Index), adversarial = result.AdversarialImage(r.Index);
            for (int p = 0; p < pixels; p++)
            {
                float g = gradients[r.Index * pixels + p];
                int expected = Math.Clamp(clean[p] + (g > 0 ? r.MinK.Value : g < 0 ? -r.MinK.Value : 0), 0, 255);
                Assert.Equal(expected, adversarial[p]);
            }
        }
    }

    [Fact]
    public void VerifyPngRoundTrip_FooledImages_NearlyAllStillFoolAfterAnEightBitPng()
    {
        MinimalFgsmResult result = Searched.Value;

        PngRoundTrip png = MinimalFgsm.VerifyPngRoundTrip(Model(threads: 1), result);

        int fooled = result.Images.Count(r => r.MinK >= 1);
        output.WriteLine($"{png.StillFooled} of {png.Checked} fooled images still fool the model after a PNG round trip; not: {string.Join(", ", png.NotFooled)}");
        Assert.Equal(fooled, png.Checked);
        Assert.Equal(png.Checked, png.StillFooled + png.NotFooled.Count);
        Assert.True(png.StillFooled >= 0.95 * png.Checked, $"only {png.StillFooled} of {png.Checked}");
    }

    [Fact]
    public void VerifyPngRoundTrip_WithoutEncoding_GivesWhatClassifyingTheDecodedPngFilesGives()
    {
        MinimalFgsmResult result = Searched.Value;
        Sequential model = Model(threads: 1);
        int pixels = result.Rows * result.Cols;
        int[] fooled = [.. result.Images.Where(r => r.MinK >= 1).Select(r => r.Index)];
        var images = new Tensor(fooled.Length, 1, result.Rows, result.Cols);
        for (int i = 0; i < fooled.Length; i++)
        {
            byte[] png = MiniNetFgsm.Imaging.GrayscalePng.Encode(result.AdversarialImage(fooled[i]), result.Cols, result.Rows);
            PixelConversion.ToUnitFloat(Imaging.PngDecoder.Decode(png).Pixels, images.Span.Slice(i * pixels, pixels));
        }

        int[] predicted = new int[fooled.Length];
        Predictions.Compute(model.Forward(images, training: false), predicted, new float[fooled.Length]);
        int[] notFooledFromFiles = [.. fooled.Where((index, i) => predicted[i] == result.Images[index].Label)];

        PngRoundTrip direct = MinimalFgsm.VerifyPngRoundTrip(model, result);

        Assert.Equal(notFooledFromFiles, direct.NotFooled);
        Assert.Equal(fooled.Length - notFooledFromFiles.Length, direct.StillFooled);
    }

    [Fact]
    public void Summarize_KnownDistribution_GivesNumPyQuantilesWithNotFoundAsInfinity()
    {
        // min_k: 0 (clean mistake), 10, 20, 30, not found → eps over the correct ones: 10/255, 20/255, 30/255, +inf.
        MinimalEpsilon R(int i, int? k) => new(i, 1, k == 0 ? 2 : 1, k, 2, 0.5f);
        var result = new MinimalFgsmResult([R(0, 0), R(1, 10), R(2, 20), R(3, 30), R(4, null)], new byte[5], 1, 1, 255);

        MinimalEpsilonSummary s = result.Summarize();

        Assert.Equal((5, 1, 3, 1), (s.Total, s.CleanMisclassified, s.Found, s.NotFound));
        Assert.Equal(20 / 255.0, s.Mean, 6);
        Assert.Equal(17.5 / 255.0, s.Q1, 6);          // numpy.quantile([10, 20, 30, inf], 0.25) = 17.5
        Assert.Equal(25 / 255.0, s.Median, 6);        // (20 + 30) / 2
        Assert.Equal(double.PositiveInfinity, s.Q3);  // between 30 and inf
        Assert.Equal(0.4, result.FractionFooledWithin(10), 9);   // k = 0 and k = 10
        Assert.Equal(0.8, result.FractionFooledWithin(255), 9);
    }

    [Theory]
    [InlineData(1f, 255)]
    [InlineData(0.3f, 76)]
    [InlineData(0.05f, 12)]
    [InlineData(0f, 0)]
    public void GridSteps_Eps_IsTheLargestKWithKOver255AtMostEps(float eps, int expected)
    {
        Assert.Equal(expected, MinimalFgsm.GridSteps(eps));
        Assert.Equal(expected, MinimalFgsm.GridSteps(expected / 255f));
    }

    private static Sequential Model(int threads)
    {
        Sequential model = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", "lenet_pytorch.safetensors")).Model;
        model.Threads = threads;
        return model;
    }

    /// <summary>Pixels and input gradients of every image, the gradient computed on the sweep's batches of 64.</summary>
    private static (float[] X, float[] Gradients) PixelsAndGradients(Sequential model, LabeledImages data)
    {
        int pixels = data.PixelsPerImage;
        float[] x = new float[data.Count * pixels], gradients = new float[data.Count * pixels];
        var fgsm = new Fgsm(model);
        var batch = new Batch();
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, data.Count - start);
            batch.Fill(data, start, count);
            batch.Images.Span.CopyTo(x.AsSpan(start * pixels));
            fgsm.InputGradient(batch.Images, batch.Labels).Span.CopyTo(gradients.AsSpan(start * pixels));
        }

        return (x, gradients);
    }

    /// <summary>The prediction for image <paramref name="index"/> alone at x + (k/255)·sign(g), clamped.</summary>
    private static int PredictAlone(Sequential model, float[] x, float[] gradients, int index, int k)
    {
        const int pixels = 28 * 28;
        var adversarial = new Tensor(1, 1, 28, 28);
        FgsmKernels.StepReference(x.AsSpan(index * pixels, pixels), gradients.AsSpan(index * pixels, pixels), k / 255f, adversarial.Span);
        int[] predicted = new int[1];
        Predictions.Compute(model.Forward(adversarial, training: false), predicted, new float[1]);
        return predicted[0];
    }
}
