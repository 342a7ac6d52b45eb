using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Reporting;
using MiniNetFgsm.Tests.Training;
using MiniNetFgsm.Models;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests.Reporting;

/// <summary>The report's files, read back as a browser or a reader would: as XML, by their captions, for network references.</summary>
public sealed partial class ReportTests(ReportFixture report) : IClassFixture<ReportFixture>
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Write_EveryFigure_IsAStandaloneSvgThatParsesAsXml()
    {
        string[] expected = ["accuracy_vs_eps.svg", "examples.svg", "minimal_eps.svg", "confusion.svg", "training.svg"];

        Assert.Equal(expected.Order(), report.Files.Svgs.Keys.Order());
        foreach (string path in report.Files.Svgs.Values)
        {
            XDocument svg = XDocument.Load(path);
            Assert.Equal(Svg + "svg", svg.Root!.Name);
            Assert.True(double.Parse(svg.Root.Attribute("width")!.Value, CultureInfo.InvariantCulture) > 0, path);
        }
    }

    [Fact]
    public void Examples_HoldRowsTimesExamplesTiles_CaptionedWithTheLibrarysFgsmPredictions()
    {
        IReadOnlyList<float> epsilons = report.Data.Options.Epsilons;
        int examples = report.Data.Options.Examples;
        XDocument svg = XDocument.Load(report.Files.Svgs["examples.svg"]);
        string[] titles = [.. svg.Descendants(Svg + "image").Select(i => i.Element(Svg + "title")!.Value)];
        var captions = svg.Descendants(Svg + "text").Select(t => t.Value).ToHashSet();

        // The grid's tiles, then three per example beside it (clean, at the minimal eps, perturbation).
        Assert.Equal(epsilons.Count * examples + 3 * examples, titles.Length);
        Assert.Equal(examples, report.Data.Examples.Select(e => e.Index).Distinct().Count());

        // Recompute every tile's prediction with the library's FGSM on the same images, independently of the report code.
        int[] indices = [.. report.Data.Examples.Select(e => e.Index)];
        LabeledImages data = Mnist.Test(ReportFixture.Images);
        var batch = new Batch().Fill(data, indices);
        var fgsm = new Fgsm(report.Model);
        Tensor gradient = fgsm.InputGradient(batch.Images, batch.Labels).Clone();
        int[] predicted = new int[indices.Length];
        float[] confidence = new float[indices.Length];
        foreach (float eps in epsilons)
        {
            Predictions.Compute(report.Model.Forward(fgsm.Perturb(batch.Images, gradient, eps), training: false), predicted, confidence);
            for (int i = 0; i < indices.Length; i++)
            {
                string caption = $"{data.GetLabel(indices[i])} → {predicted[i]} ({confidence[i].ToString("0.00", CultureInfo.InvariantCulture)})";
                Assert.Contains($"test #{indices[i]} at eps {eps}: {caption}", titles);
                Assert.Contains(caption, captions);
            }
        }
    }

    [Fact]
    public void MinimalEps_HistogramCounts_SumToTheFooledImagesTheFigureReports()
    {
        MinimalEpsilonSummary summary = report.Data.Minimal.Summarize();
        MinimalEpsHistogram histogram = report.Files.Histogram;
        XDocument svg = XDocument.Load(report.Files.Svgs["minimal_eps.svg"]);
        string title = svg.Descendants(Svg + "text").First(t => t.Value.StartsWith("minimal FGSM eps per image", StringComparison.Ordinal)).Value;

        Assert.Equal(summary.Found, histogram.Counts.Sum() + histogram.Overflow);
        Assert.Equal($"minimal FGSM eps per image ({histogram.Total} images fooled)", title);
        Assert.Equal(ReportFixture.Images, summary.CleanMisclassified + summary.Found + summary.NotFound);
        Assert.Equal(histogram.Counts.Count(c => c > 0), svg.Descendants(Svg + "rect").Count(r => r.Attribute("fill")?.Value == "#8fb3d9"));
    }

    [Fact]
    public void Html_IsSelfContained_NoScriptAndNoNetworkReference()
    {
        string html = File.ReadAllText(report.Files.Html);

        Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.All(ResourceReference().Matches(html), m => Assert.StartsWith("data:image/png;base64,", m.Groups[1].Value, StringComparison.Ordinal));
        Assert.Equal(5, Regex.Matches(html, "<svg ").Count);
        Assert.Contains("99.", html);     // the clean accuracy, among the settings
        Assert.Contains("lenet_pytorch.safetensors", html);
    }

    [Fact]
    public void AccuracyVsEps_LeNet_ShowsThePyTorchTutorialAsALabelledReference()
    {
        XDocument svg = XDocument.Load(report.Files.Svgs["accuracy_vs_eps.svg"]);

        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value.Contains("PyTorch FGSM tutorial", StringComparison.Ordinal));
        Assert.Contains(svg.Descendants(Svg + "polyline"), p => p.Attribute("stroke-dasharray")?.Value == "7 4");
        Assert.Equal(TutorialReference.LeNetAccuracy.Count, report.Data.Reference.Count);
    }

    [Fact]
    public void Confusion_BothMatrices_CountEveryImageOnceInTheirCells()
    {
        XDocument svg = XDocument.Load(report.Files.Svgs["confusion.svg"]);
        int cellCountSum = svg.Descendants(Svg + "text")
            .Where(t => t.Attribute("text-anchor")?.Value == "middle" && int.TryParse(t.Value, out _) && t.Value.Length > 0 && double.Parse(t.Attribute("y")!.Value, CultureInfo.InvariantCulture) > 80)
            .Sum(t => int.Parse(t.Value, CultureInfo.InvariantCulture));

        Assert.Equal(2 * ReportFixture.Images, cellCountSum);
        Assert.Equal(report.Data.Clean.Correct, Enumerable.Range(0, 10).Sum(i => report.Data.Clean.Confusion[i, i]));
    }

    [Fact]
    public void FgsmConfusion_AtEps_AgreesWithTheSweepsAccuracy()
    {
        LabeledImages data = Mnist.Test(ReportFixture.Images);

        IReadOnlyList<FgsmSweepRow> sweep = FgsmSweep.Run(report.Model, data, [report.Data.Options.ConfusionEpsilon]);

        Assert.Equal(sweep[0].Correct, report.Data.Adversarial.Correct);
    }

    [Fact]
    public void Perturbation_ZeroIsMidGray_LargestChangesAreWhiteAndBlack()
    {
        byte[] gray = ReportFigures.Perturbation([10, 10, 10, 0], [20, 10, 0, 0], out int largest);

        Assert.Equal(10, largest);
        Assert.Equal([255, 128, 1, 128], gray);
    }

    [Fact]
    public void Upscale_ByFour_RepeatsEveryPixelInAFourByFourBlock()
    {
        byte[] big = ReportFigures.Upscale([1, 2, 3, 4], 2, 2, 4);

        Assert.Equal(64, big.Length);
        Assert.Equal(1, big[0]);
        Assert.Equal(1, big[3 * 8 + 3]);
        Assert.Equal(2, big[4]);
        Assert.Equal(4, big[63]);
    }

    [GeneratedRegex("(?:href|src)=\"([^\"]*)\"")]
    private static partial Regex ResourceReference();
}
