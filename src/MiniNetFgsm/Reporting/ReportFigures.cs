using System.Globalization;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Imaging;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Models;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Reporting;

/// <summary>The histogram of minimal FGSM eps drawn in <c>minimal_eps.svg</c>.</summary>
/// <param name="StepsPerBin">Grid steps k per bin: bin b holds k in [b·StepsPerBin + 1, (b + 1)·StepsPerBin].</param>
/// <param name="Counts">Images per bin, over the images classified correctly when clean and fooled at some k ≤ the search's maximum.</param>
/// <param name="Overflow">Those images whose minimal eps lies beyond the last bin (not drawn).</param>
/// <param name="AxisMax">The largest eps on the figure's axis.</param>
public sealed record MinimalEpsHistogram(int StepsPerBin, IReadOnlyList<int> Counts, int Overflow, double AxisMax)
{
    /// <summary>Images counted: Σ Counts + Overflow, which is <see cref="MinimalEpsilonSummary.Found"/>.</summary>
    public int Total => Counts.Sum() + Overflow;

    /// <summary>Bins of 3 grid steps (3/255 ≈ 0.012) up to a round eps past the bulk of the distribution (Q3 + 2·IQR, at least <paramref name="atLeast"/>).</summary>
    public static MinimalEpsHistogram From(MinimalFgsmResult result, double atLeast)
    {
        const int stepsPerBin = 3;
        MinimalEpsilonSummary s = result.Summarize();
        double bulk = double.IsFinite(s.Q3) && double.IsFinite(s.Q1) ? s.Q3 + 2 * (s.Q3 - s.Q1) : double.IsFinite(s.Max) ? s.Max : 1;
        double axisMax = Math.Min(1, Math.Ceiling(Math.Max(Math.Max(bulk, atLeast), 0.05) / 0.05 - 1e-9) * 0.05);
        int maxK = Math.Min(result.MaxK, MinimalFgsm.GridSteps((float)axisMax));
        int[] counts = new int[Math.Max(1, (maxK + stepsPerBin - 1) / stepsPerBin)];
        int overflow = 0;
        foreach (MinimalEpsilon r in result.Images)
        {
            if (r.MinK is int k && k >= 1)
            {
                if (k <= maxK)
                {
                    counts[(k - 1) / stepsPerBin]++;
                }
                else
                {
                    overflow++;
                }
            }
        }

        return new MinimalEpsHistogram(stepsPerBin, counts, overflow, axisMax);
    }
}

/// <summary>Draws the report's figures from a <see cref="ReportData"/>; each is a standalone SVG drawing.</summary>
public static class ReportFigures
{
    /// <summary>Upscaling of the example tiles (28 × 28 → 112 × 112, nearest neighbour).</summary>
    public const int TileScale = 4;

    private const string Wrong = "#c62828", Right = "#1b5e20";

    /// <summary>The line color of each attack method.</summary>
    public static string MethodColor(AttackMethod method) => method switch
    {
        AttackMethod.Fgsm => "#1f77b4",
        AttackMethod.Bim => "#d62728",
        AttackMethod.Pgd => "#9467bd",
        _ => "#2ca02c",
    };

    /// <summary>A method's display name: FGSM, BIM, PGD, targeted FGSM.</summary>
    public static string MethodName(AttackMethod method) => method == AttackMethod.Targeted ? "targeted FGSM" : method.ToString().ToUpperInvariant();

    /// <summary>
    /// Accuracy on x_adv against eps for every method (solid), each method's attack success rate (dotted, same color),
    /// and for LeNet the PyTorch tutorial's published accuracies (dashed gray).
    /// </summary>
    public static SvgBuilder AccuracyVsEps(ReportData data)
    {
        var lines = new List<ChartLine>();
        foreach (MethodSweep sweep in data.Sweeps)
        {
            string name = MethodName(sweep.Method), color = MethodColor(sweep.Method);
            lines.Add(new ChartLine($"{name} accuracy", [.. sweep.Rows.Select(r => ((double)r.Epsilon, r.Accuracy))], color));
            lines.Add(new ChartLine($"{name} attack success rate", [.. sweep.Rows.Select(r => ((double)r.Epsilon, r.AttackSuccessRate))], color, "2 3", Markers: false));
        }

        if (data.Reference.Count > 0)
        {
            lines.Add(new ChartLine("PyTorch FGSM tutorial, LeNet accuracy (published reference)",
                [.. data.Reference.Select(r => ((double)r.Epsilon, r.Accuracy))], "#777", "7 4"));
        }

        double maxEps = Math.Max(data.Options.Epsilons.Max(), data.Reference.Count > 0 ? data.Reference.Max(r => r.Epsilon) : 0);
        var svg = new SvgBuilder(900, 460);
        new XyChart
        {
            Title = $"{data.ModelName}: accuracy under attack, {data.Images} test images",
            XTitle = "eps (L∞ perturbation, pixel units)",
            YTitle = "fraction of test images",
            X = (0, maxEps > 0 ? maxEps : 1),
            Y = (0, 1),
            Lines = lines,
            LegendWidth = 250,
        }.Draw(svg, 0, 0, svg.Width, svg.Height);
        return svg;
    }

    /// <summary>
    /// The example grid: one row per eps, one column per example image, each tile FGSM's x_adv (×4, nearest neighbour)
    /// captioned "true → predicted (confidence)"; beside it, per example, the clean image, x_adv at the image's minimal
    /// eps and the perturbation x_adv − x in gray (mid-gray 0, white +, black −).
    /// </summary>
    public static SvgBuilder Examples(ReportData data)
    {
        IReadOnlyList<ExampleImage> examples = data.Examples;
        IReadOnlyList<float> epsilons = data.Options.Epsilons;
        double tile = data.Cols * TileScale, tileHeight = data.Rows * TileScale, cell = tile + 18, rowHeight = tileHeight + 36;
        double gridLeft = 78, top = 66, sideLeft = gridLeft + examples.Count * cell + 46;
        int rows = Math.Max(epsilons.Count, examples.Count);
        var svg = new SvgBuilder(sideLeft + 3 * cell + 10, top + rows * rowHeight + 10);

        svg.Text(gridLeft, 22, $"FGSM adversarial examples by eps ({data.ModelName})", 15, bold: true);
        svg.Text(gridLeft, 40, "caption: true → predicted (confidence); red when the prediction is wrong", 12, fill: "#555");
        for (int c = 0; c < examples.Count; c++)
        {
            svg.Text(gridLeft + c * cell + tile / 2, top - 8, $"test #{examples[c].Index}", 12, "middle", "#555");
        }

        for (int r = 0; r < epsilons.Count; r++)
        {
            double y = top + r * rowHeight;
            svg.Text(gridLeft - 10, y + tileHeight / 2 + 4, $"eps {epsilons[r].ToString("0.###", CultureInfo.InvariantCulture)}", 12, "end", bold: true);
            for (int c = 0; c < examples.Count; c++)
            {
                ExampleImage e = examples[c];
                ExampleTile t = e.Tiles[r];
                string caption = Caption(e.Label, t.Predicted, t.Confidence);
                Tile(svg, gridLeft + c * cell, y, data, t.Pixels, $"test #{e.Index} at eps {t.Epsilon}: {caption}");
                svg.Text(gridLeft + c * cell + tile / 2, y + tileHeight + 16, caption, 12, "middle", t.Predicted == e.Label ? Right : Wrong);
            }
        }

        // The side panel: each example at its own smallest fooling eps.
        svg.Line(sideLeft - 24, top - 20, sideLeft - 24, svg.Height - 10, "#bbb");
        svg.Text(sideLeft, 22, "each image at its smallest fooling eps", 15, bold: true);
        svg.Text(sideLeft, 40, "clean  |  x_adv at min eps  |  x_adv − x (gray = 0)", 12, fill: "#555");
        string[] headers = ["clean", "at min eps", "perturbation"];
        for (int j = 0; j < 3; j++)
        {
            svg.Text(sideLeft + j * cell + tile / 2, top - 8, headers[j], 12, "middle", "#555");
        }

        for (int i = 0; i < examples.Count; i++)
        {
            ExampleImage e = examples[i];
            double y = top + i * rowHeight;
            MinimalEpsilon m = e.Minimal;
            Tile(svg, sideLeft, y, data, e.Clean, $"test #{e.Index}, label {e.Label}");
            svg.Text(sideLeft + tile / 2, y + tileHeight + 16, $"{e.Label} → {m.CleanPrediction}", 12, "middle", Right);

            string at = m.MinK is int k ? $"eps {k}/255 = {MinimalFgsm.Epsilon(k).ToString("0.000", CultureInfo.InvariantCulture)}" : $"not fooled ≤ {data.Minimal.MaxK}/255";
            Tile(svg, sideLeft + cell, y, data, e.AtMinimal, at);
            svg.Text(sideLeft + cell + tile / 2, y + tileHeight + 16, Caption(e.Label, m.AdversarialPrediction, m.AdversarialConfidence), 12, "middle",
                m.AdversarialPrediction == e.Label ? Right : Wrong);
            svg.Text(sideLeft + cell + tile / 2, y + tileHeight + 28, at, 10, "middle", "#555");

            Tile(svg, sideLeft + 2 * cell, y, data, Perturbation(e.Clean, e.AtMinimal, out int largest), "x_adv − x");
            svg.Text(sideLeft + 2 * cell + tile / 2, y + tileHeight + 16, $"±{largest}/255 → black/white", 12, "middle", "#555");
        }

        return svg;
    }

    /// <summary>"7 → 3 (0.87)": true class, predicted class, softmax confidence.</summary>
    public static string Caption(int label, int predicted, float confidence)
        => $"{label} → {predicted} ({confidence.ToString("0.00", CultureInfo.InvariantCulture)})";

    /// <summary>
    /// The perturbation as a gray image: 128 + d · 127 / max|d| for d = adversarial − clean (bytes), so 0 is mid-gray,
    /// the largest positive change white and the largest negative black. <paramref name="largest"/> is max|d|.
    /// </summary>
    public static byte[] Perturbation(ReadOnlySpan<byte> clean, ReadOnlySpan<byte> adversarial, out int largest)
    {
        largest = 0;
        for (int i = 0; i < clean.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(adversarial[i] - clean[i]));
        }

        byte[] gray = new byte[clean.Length];
        for (int i = 0; i < clean.Length; i++)
        {
            gray[i] = (byte)Math.Round(128 + (adversarial[i] - clean[i]) * 127.0 / Math.Max(largest, 1));
        }

        return gray;
    }

    /// <summary>Each pixel repeated <paramref name="factor"/> × <paramref name="factor"/> times (nearest-neighbour upscaling).</summary>
    public static byte[] Upscale(ReadOnlySpan<byte> pixels, int rows, int cols, int factor)
    {
        byte[] big = new byte[rows * cols * factor * factor];
        int width = cols * factor;
        for (int y = 0; y < rows * factor; y++)
        {
            for (int x = 0; x < width; x++)
            {
                big[y * width + x] = pixels[(y / factor) * cols + x / factor];
            }
        }

        return big;
    }

    /// <summary>
    /// Left: the histogram of each image's minimal FGSM eps, quartiles marked. Right: the fraction of images fooled at
    /// some eps ≤ x (the search) as a staircase, against FGSM at exactly each eps (the sweep's fooled fraction and its
    /// accuracy).
    /// </summary>
    public static SvgBuilder MinimalEps(ReportData data, out MinimalEpsHistogram histogram)
    {
        MinimalFgsmResult result = data.Minimal;
        MinimalEpsilonSummary s = result.Summarize();
        histogram = MinimalEpsHistogram.From(result, data.Options.Epsilons.Max());
        double binWidth = histogram.StepsPerBin / 255.0;
        var bars = histogram.Counts.Select((count, b) => new ChartBar(b * binWidth + 0.5 / 255, (b + 1) * binWidth + 0.5 / 255, count)).ToList();
        var markers = new List<ChartMarker>();
        foreach ((string name, double q) in new[] { ("Q1", s.Q1), ("median", s.Median), ("Q3", s.Q3) })
        {
            if (double.IsFinite(q))
            {
                markers.Add(new ChartMarker(q, $"{name} {q.ToString("0.000", CultureInfo.InvariantCulture)}", "#e65100"));
            }
        }

        var svg = new SvgBuilder(1200, 470);
        int peak = Math.Max(1, histogram.Counts.Max());
        new XyChart
        {
            Title = $"minimal FGSM eps per image ({histogram.Total} images fooled)",
            XTitle = $"minimal eps = k/255 (bins of {histogram.StepsPerBin} steps)",
            YTitle = "images",
            X = (0, histogram.AxisMax),
            Y = (0, Math.Ceiling(peak * 1.1)),
            Bars = bars,
            BarStyle = ("images whose minimal eps is in the bin", "#8fb3d9"),
            Markers = markers,
            YFormat = "0",
            YMinStep = 1,
            LegendWidth = 0,
        }.Draw(svg, 0, 0, 560, 440);
        string notes = $"{s.Total} images: {s.CleanMisclassified} misclassified when clean, {s.Found} fooled at some k ≤ {result.MaxK}, {s.NotFound} never" +
                       (histogram.Overflow > 0 ? $"; {histogram.Overflow} fooled only beyond eps {histogram.AxisMax.ToString("0.##", CultureInfo.InvariantCulture)} (off the axis)" : "");
        svg.Text(62, 462, notes, 11, fill: "#555");

        int axisK = Math.Min(result.MaxK, MinimalFgsm.GridSteps((float)histogram.AxisMax));
        int[] fooledBy = new int[axisK + 1];
        foreach (MinimalEpsilon r in result.Images)
        {
            if (r.MinK is int k && k <= axisK)
            {
                fooledBy[k]++;
            }
        }

        var cumulative = new List<(double X, double Y)>();
        int running = 0;
        for (int k = 0; k <= axisK; k++)
        {
            running += fooledBy[k];
            cumulative.Add((MinimalFgsm.Epsilon(k), (double)running / Math.Max(1, s.Total)));
        }

        var lines = new List<ChartLine>
        {
            new("fooled at some eps ≤ x (minimal search, all images)", cumulative, "#1f77b4", Markers: false, Step: true),
            new("fooled by FGSM at exactly eps (1 − sweep accuracy)",
                [.. result.ExactEpsilons.Select((eps, e) => ((double)eps, (double)result.FooledAt[e] / Math.Max(1, s.Total)))], "#d62728", NoLine: true),
        };
        MethodSweep? fgsm = data.Sweeps.FirstOrDefault(w => w.Method == AttackMethod.Fgsm);
        IEnumerable<(double, double)> accuracy = fgsm is not null
            ? fgsm.Rows.Select(r => ((double)r.Epsilon, r.Accuracy))
            : result.ExactEpsilons.Select((eps, e) => ((double)eps, 1 - (double)result.FooledAt[e] / Math.Max(1, s.Total)));
        lines.Add(new ChartLine("FGSM sweep accuracy", [.. accuracy], "#2e7d32", "6 4"));
        new XyChart
        {
            Title = "cumulative fraction fooled against eps",
            XTitle = "eps",
            YTitle = "fraction of test images",
            X = (0, histogram.AxisMax),
            Y = (0, 1),
            Lines = lines,
            Markers = markers,
            LegendWidth = 210,
        }.Draw(svg, 580, 0, 620, 440);
        return svg;
    }

    /// <summary>The confusion matrix as a heat map, clean and under FGSM at the report's confusion eps, with counts in the cells.</summary>
    public static SvgBuilder Confusion(ReportData data)
    {
        // Correct and wrong counts differ by orders of magnitude, so each has its own scale, shared by both matrices so
        // that their shades compare: the clean model's few mistakes stay pale beside the attack's.
        (int correct, int wrong) = Largest(data.Clean.Confusion);
        (int correctAdv, int wrongAdv) = Largest(data.Adversarial.Confusion);
        (int, int) scale = (Math.Max(correct, correctAdv), Math.Max(wrong, wrongAdv));
        var svg = new SvgBuilder(960, 500);
        HeatMap(svg, 0, data.Clean, $"clean: accuracy {Percent(data.Clean.Accuracy)}", scale);
        HeatMap(svg, 480, data.Adversarial, $"FGSM eps {data.Options.ConfusionEpsilon.ToString("0.###", CultureInfo.InvariantCulture)}: accuracy {Percent(data.Adversarial.Accuracy)}", scale);
        svg.Text(20, 490, "Cell shade: √(count / largest count of its kind in either matrix): blue on the diagonal (correct), red off it (mistakes).", 11, fill: "#555");
        return svg;
    }

    /// <summary>The largest count on the diagonal and the largest off it (each at least 1).</summary>
    private static (int Correct, int Wrong) Largest(int[,] confusion)
    {
        int correct = 1, wrong = 1;
        for (int i = 0; i < confusion.GetLength(0); i++)
        {
            for (int j = 0; j < confusion.GetLength(1); j++)
            {
                if (i == j)
                {
                    correct = Math.Max(correct, confusion[i, j]);
                }
                else
                {
                    wrong = Math.Max(wrong, confusion[i, j]);
                }
            }
        }

        return (correct, wrong);
    }

    private static void HeatMap(SvgBuilder svg, double left, EvaluationResult result, string title, (int Correct, int Wrong) largest)
    {
        const double size = 36;
        int n = result.Confusion.GetLength(0);
        double x0 = left + 70, y0 = 76;
        svg.Text(x0 + n * size / 2, 22, title, 14, "middle", bold: true);
        svg.Text(x0 + n * size / 2, 46, "predicted class", 12, "middle", "#555");
        svg.Text(left + 22, y0 + n * size / 2, "true class", 12, "middle", "#555", rotate: -90);
        for (int i = 0; i < n; i++)
        {
            svg.Text(x0 + i * size + size / 2, y0 - 8, $"{i}", 12, "middle");
            svg.Text(x0 - 8, y0 + i * size + size / 2 + 4, $"{i}", 12, "end");
            for (int j = 0; j < n; j++)
            {
                int count = result.Confusion[i, j];
                double shade = Math.Sqrt((double)count / (i == j ? largest.Correct : largest.Wrong));
                (int r, int g, int b) = i == j ? (25, 90, 180) : (200, 40, 40);
                string fill = count == 0 ? "#ffffff" : $"rgb({Mix(r, shade)},{Mix(g, shade)},{Mix(b, shade)})";
                svg.Rect(x0 + j * size, y0 + i * size, size, size, fill, "#ddd", 0.5);
                if (count > 0)
                {
                    svg.Text(x0 + j * size + size / 2, y0 + i * size + size / 2 + 4, $"{count}", count >= 1000 ? 10 : 11, "middle", shade > 0.55 ? "white" : "#222");
                }
            }
        }
    }

    /// <summary>Blends white toward the color channel <paramref name="channel"/> by <paramref name="shade"/> ∈ [0, 1].</summary>
    private static int Mix(int channel, double shade) => (int)Math.Round(255 + (channel - 255) * shade);

    /// <summary>Training loss and test accuracy (and PGD robust accuracy, for adversarial training) per epoch.</summary>
    public static SvgBuilder Training(TrainingHistory history, string modelName)
    {
        IReadOnlyList<EpochResult> epochs = history.Epochs;
        double last = Math.Max(epochs.Count, 1);
        IReadOnlyList<double> ticks = [.. Enumerable.Range(1, (int)last).Where(e => last <= 12 || e % (int)Math.Ceiling(last / 12) == 0).Select(e => (double)e)];
        var svg = new SvgBuilder(1100, 420);
        double maxLoss = epochs.Select(e => e.TrainLoss).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        new XyChart
        {
            Title = $"{modelName}: mean training loss per epoch",
            XTitle = "epoch",
            YTitle = "cross-entropy",
            X = (0.5, last + 0.5),
            Y = (0, maxLoss * 1.15),
            XTicks = ticks,
            XFormat = "0",
            Lines = [new ChartLine("training loss", [.. epochs.Select(e => ((double)e.Epoch, e.TrainLoss))], "#1f77b4")],
            LegendWidth = 0,
        }.Draw(svg, 0, 0, 520, 420);

        var lines = new List<ChartLine> { new("test accuracy", [.. epochs.Select(e => ((double)e.Epoch, e.TestAccuracy))], "#2e7d32") };
        if (epochs.Any(e => double.IsFinite(e.RobustAccuracy)))
        {
            lines.Add(new ChartLine("PGD robust accuracy", [.. epochs.Select(e => ((double)e.Epoch, e.RobustAccuracy))], "#d62728", "6 4"));
        }

        double lowest = lines.SelectMany(l => l.Points).Select(p => p.Y).Where(double.IsFinite).DefaultIfEmpty(0).Min();
        new XyChart
        {
            Title = "accuracy per epoch",
            XTitle = "epoch",
            YTitle = "accuracy",
            X = (0.5, last + 0.5),
            Y = (Math.Max(0, Math.Floor(lowest * 20 - 1) / 20), 1),
            XTicks = ticks,
            XFormat = "0",
            Lines = lines,
            LegendWidth = 170,
        }.Draw(svg, 540, 0, 560, 420);
        return svg;
    }

    private static void Tile(SvgBuilder svg, double x, double y, ReportData data, byte[] pixels, string title)
    {
        byte[] png = GrayscalePng.Encode(Upscale(pixels, data.Rows, data.Cols, TileScale), data.Cols * TileScale, data.Rows * TileScale);
        svg.Image(x, y, data.Cols * TileScale, data.Rows * TileScale, png, title);
        svg.Rect(x, y, data.Cols * TileScale, data.Rows * TileScale, "none", "#999", 0.5);
    }

    private static string Percent(double fraction) => (100 * fraction).ToString("0.00", CultureInfo.InvariantCulture) + "%";
}
