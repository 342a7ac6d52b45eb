using System.CommandLine;
using System.Diagnostics;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Imaging;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Cli.Commands;

/// <summary><c>mininet minimal</c>: per test image, the smallest FGSM eps on the 8-bit grid k/255 that fools the model.</summary>
internal static class MinimalCommand
{
    public static Command Create()
    {
        var weights = Cli.WeightsOption(required: true);
        var maxEps = new Option<float>("--max-eps")
        {
            Description = "Largest eps tried, in [0, 1]; the search covers every k/255 up to it.",
            DefaultValueFactory = _ => 1f,
        };
        var eps = Cli.EpsOption();
        eps.Description = "Comma-separated eps values in [0, 1] at which the summary compares 'fooled at some eps ≤ this' with FGSM at exactly this eps.";
        var pngCount = new Option<int>("--png")
        {
            Description = "Write the first N adversarial images (at their minimal eps) as 8-bit PNG files under DIR/minimal_png/.",
            DefaultValueFactory = _ => 20,
        };
        var output = new Option<string>("--out") { Description = "Folder for minimal_eps.csv, minimal_eps_summary.csv and the PNG files.", DefaultValueFactory = _ => "out" };
        var data = Cli.DataOption();
        var threads = Cli.ThreadsOption();
        var command = new Command("minimal", "Find, for each of the 10,000 test images, the smallest FGSM eps = k/255 that changes its prediction (exact).")
        {
            weights, maxEps, eps, pngCount, output, data, threads,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            float max = parse.GetValue(maxEps);
            if (!(max >= 0f && max <= 1f))
            {
                throw new UserError($"--max-eps {max} is outside [0, 1] (pixels are in [0, 1]).");
            }

            int pngs = parse.GetValue(pngCount);
            if (pngs < 0)
            {
                throw new UserError($"--png must be 0 or more (got {pngs}).");
            }

            float[] epsilons = Cli.ParseEpsilons(parse.GetValue(eps)!);
            int threadCount = Cli.CheckThreads(parse.GetValue(threads));
            Cli.CheckOutputFolder(parse.GetValue(output)!, "--out");
            LoadedModel loaded = ModelFile.Load(parse.GetValue(weights)!);
            loaded.Model.Threads = threadCount;
            MnistDataset dataset = Cli.LoadData(parse.GetValue(data));
            Run(loaded, dataset.Test, MinimalFgsm.GridSteps(max), epsilons, pngs, parse.GetValue(output)!);
            return 0;
        }));
        return command;
    }

    private static void Run(LoadedModel loaded, LabeledImages test, int maxK, float[] epsilons, int pngs, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        var clock = Stopwatch.StartNew();
        MinimalFgsmResult result = MinimalFgsm.Search(loaded.Model, test, maxK, progress: new StderrProgress("minimal eps search", maxK, "grid steps"), exactEpsilons: epsilons);
        double searchSeconds = clock.Elapsed.TotalSeconds;
        MinimalEpsilonSummary s = result.Summarize();

        Console.WriteLine($"minimal FGSM eps on {s.Total} test images, {loaded.Architecture}: every k/255 for k = 1..{maxK} ({Cli.FormatNumber(searchSeconds, "0.0")} s)");
        Console.WriteLine($"misclassified when clean (k = 0): {s.CleanMisclassified}; fooled at some k ≤ {maxK}: {s.Found}; never fooled up to eps {Cli.FormatNumber(MinimalFgsm.Epsilon(maxK))}: {s.NotFound}");
        Console.WriteLine($"minimal eps over the {s.Found + s.NotFound} correctly classified images (not fooled counts as +inf):");
        Console.WriteLine($"  q1 {Eps(s.Q1)}  median {Eps(s.Median)}  q3 {Eps(s.Q3)}  min {Eps(s.Min)}  max {Eps(s.Max)}  mean of the fooled {Eps(s.Mean)}");

        // FGSM at exactly each eps (the sweep's numbers, from the search's own gradients): on the grid, fooled there ⊆ fooled at some k/255 ≤ it.
        var rows = new List<MinimalSummaryRow>();
        Console.WriteLine();
        Console.WriteLine("epsilon  grid_k  fooled_within  fooled_at  sweep_accuracy");
        for (int e = 0; e < result.ExactEpsilons.Count; e++)
        {
            float eps = result.ExactEpsilons[e];
            int k = MinimalFgsm.GridSteps(eps);
            // Beyond --max-eps the search did not look, so "fooled within" is unknown there.
            var summary = new MinimalSummaryRow(eps, k, k <= maxK ? result.FractionFooledWithin(k) : double.NaN, (double)result.FooledAt[e] / s.Total);
            rows.Add(summary);
            string within = double.IsNaN(summary.FooledWithin) ? "n/a" : Cli.Percent(summary.FooledWithin);
            Console.WriteLine($"{Cli.FormatNumber(eps, "0.000"),7}  {k,6}  {within,13}  {Cli.Percent(summary.FooledAt),9}  {Cli.FormatNumber(1 - summary.FooledAt),14}");
        }

        Console.WriteLine("fooled_within: misclassified at some k/255 ≤ eps (this search); fooled_at: misclassified by FGSM at exactly eps (= 1 − the sweep's accuracy).");
        Console.WriteLine("They differ where a prediction flips and flips back along the FGSM ray, or (off the grid) flips between two grid steps.");

        PngRoundTrip png = MinimalFgsm.VerifyPngRoundTrip(loaded.Model, result);
        Console.WriteLine();
        Console.WriteLine($"8-bit PNG round trip: of the {png.Checked} fooled images, written as PNG at their minimal eps and read back, " +
                          $"{png.StillFooled} still fool the model ({Cli.Percent(png.Checked == 0 ? 1 : (double)png.StillFooled / png.Checked)}).");
        if (png.NotFooled.Count > 0)
        {
            Console.WriteLine($"  not: {string.Join(", ", png.NotFooled.Take(10))}{(png.NotFooled.Count > 10 ? ", ..." : "")} (their flip margin at min_k is below the float rounding of x + k/255)");
        }

        string pngDirectory = Path.Combine(outputDirectory, "minimal_png");
        if (Directory.Exists(pngDirectory))
        {
            foreach (string old in Directory.GetFiles(pngDirectory, "*.png"))
            {
                File.Delete(old);      // names carry k and the prediction: a previous run's files would not be overwritten
            }
        }

        int written = 0;
        foreach (MinimalEpsilon r in result.Images.Where(r => r.MinK >= 1).Take(pngs))
        {
            Directory.CreateDirectory(pngDirectory);
            string name = $"{r.Index:D5}_label{r.Label}_as{r.AdversarialPrediction}_k{r.MinK}.png";
            GrayscalePng.Write(Path.Combine(pngDirectory, name), result.AdversarialImage(r.Index), result.Cols, result.Rows);
            written++;
        }

        if (written > 0)
        {
            Console.WriteLine($"wrote {written} adversarial images to {pngDirectory}");
        }

        string csv = Path.Combine(outputDirectory, "minimal_eps.csv");
        string summaryCsv = Path.Combine(outputDirectory, "minimal_eps_summary.csv");
        MinimalCsv.Write(csv, result.Images);
        MinimalCsv.WriteSummary(summaryCsv, s, maxK, rows, png);
        Console.WriteLine($"wrote {csv} and {summaryCsv}");
    }

    private static string Eps(double eps) => double.IsNaN(eps) ? "-" : double.IsPositiveInfinity(eps) ? "inf" : $"{Cli.FormatNumber(eps)} (k={Math.Round(eps * 255, 1)})";
}

/// <summary>One line of the minimal-eps summary table.</summary>
internal sealed record MinimalSummaryRow(float Epsilon, int GridK, double FooledWithin, double FooledAt);
