using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Reference;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Cli.Commands;

/// <summary><c>mininet attack</c>: robust accuracy over the test set for a list of eps, under FGSM, targeted FGSM, BIM or PGD.</summary>
internal static class AttackCommand
{
    private const string LeastLikely = "least-likely";

    public static Command Create()
    {
        var weights = Cli.WeightsOption(required: true);
        var architecture = Cli.ArchitectureOption();
        var eps = Cli.EpsOption();
        var method = new Option<string>("--method")
        {
            Description = "fgsm (one step up the loss), targeted (one step toward --target), bim (--steps projected FGSM steps) "
                        + "or pgd (bim from a random start in the eps ball, best of --restarts).",
            DefaultValueFactory = _ => "fgsm",
        };
        method.AcceptOnlyFromAmong("fgsm", "targeted", "bim", "pgd");
        var steps = new Option<int>("--steps") { Description = "bim, pgd: gradient steps per attack.", DefaultValueFactory = _ => 40 };
        var stepSize = new Option<float?>("--step-size") { Description = "bim, pgd: step size α in pixel units (default: 2.5 · eps / steps)." };
        var restarts = new Option<int>("--restarts")
        {
            Description = "pgd: random starts per image; an image is robust only if it survives all of them.",
            DefaultValueFactory = _ => 1,
        };
        var target = new Option<string>("--target")
        {
            Description = $"targeted: the target class 0..9, or {LeastLikely} (each image's least probable class on the clean input).",
            DefaultValueFactory = _ => LeastLikely,
        };
        var seed = new Option<int>("--seed") { Description = "pgd: seed of the random starts.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Folder for <method>_sweep.csv.", DefaultValueFactory = _ => "out" };
        var data = Cli.DataOption();
        var threads = Cli.ThreadsOption();
        var images = Cli.ImagesOption();
        var reference = Cli.ReferenceOption("attack (fgsm only)");
        var command = new Command("attack", "Attack the 10,000 test images at each eps; print the table and write DIR/<method>_sweep.csv (fgsm_sweep.csv for FGSM).")
        {
            weights, architecture, eps, method, steps, stepSize, restarts, target, seed, output, data, threads, images, reference,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            float[] epsilons = Cli.ParseEpsilons(parse.GetValue(eps)!);
            AttackMethod chosen = Enum.Parse<AttackMethod>(parse.GetValue(method)!, ignoreCase: true);
            Cli.RejectGiven(parse, chosen is not (AttackMethod.Bim or AttackMethod.Pgd), "only to --method bim or pgd", steps, stepSize);
            Cli.RejectGiven(parse, chosen != AttackMethod.Pgd, "only to --method pgd (its random starts)", restarts, seed);
            Cli.RejectGiven(parse, chosen != AttackMethod.Targeted, "only to --method targeted", target);
            var options = new AttackOptions
            {
                Method = chosen,
                Steps = parse.GetValue(steps),
                StepSize = parse.GetValue(stepSize),
                Restarts = parse.GetValue(restarts),
                TargetClass = ParseTarget(parse.GetValue(target)!),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            int? count = Cli.CheckImages(parse.GetValue(images));
            bool textbook = parse.GetValue(reference);
            string name = options.Method.ToString().ToLowerInvariant();
            if (textbook && options.Method != AttackMethod.Fgsm)
            {
                throw new UserError($"--reference supports fgsm and eval (got --method {name}).");
            }

            int threadCount = Cli.CheckThreads(parse.GetValue(threads));
            Cli.CheckOutputFolder(parse.GetValue(output)!, "--out");
            LoadedModel loaded = ModelFile.Load(parse.GetValue(weights)!, parse.GetValue(architecture));
            loaded.Model.Threads = threadCount;
            MnistDataset dataset = Cli.LoadData(parse.GetValue(data));
            LabeledImages test = Cli.FirstImages(dataset.Test, count);
            string csv = Path.Combine(parse.GetValue(output)!, name + "_sweep.csv");
            if (textbook)
            {
                ReferenceModel model = ReferenceModel.FromWeights(loaded.Architecture, loaded.Model);
                Report(() => ReferenceSweep.Fgsm(model, test, epsilons), test.Count, csv, published: null);
            }
            else if (options.Method == AttackMethod.Fgsm)
            {
                Run(loaded.Model, test, epsilons, csv, reference: null);
            }
            else
            {
                Run(loaded.Model, test, epsilons, options, csv);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Runs the FGSM sweep, prints it (beside <paramref name="reference"/> accuracies when given) and writes the CSV.</summary>
    public static IReadOnlyList<FgsmSweepRow> Run(Sequential model, LabeledImages test, float[] epsilons, string csvPath, IReadOnlyDictionary<float, double>? reference)
        => Report(() => FgsmSweep.Run(model, test, epsilons, progress: new StderrProgress("fgsm sweep", test.Count)), test.Count, csvPath, reference);

    /// <summary>Times <paramref name="sweep"/> (the fast or the reference FGSM sweep over <paramref name="images"/> images), prints its table and writes the CSV.</summary>
    private static IReadOnlyList<FgsmSweepRow> Report(Func<IReadOnlyList<FgsmSweepRow>> sweep, int images, string csvPath, IReadOnlyDictionary<float, double>? published)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(csvPath))!);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<FgsmSweepRow> rows = sweep();
        double seconds = clock.Elapsed.TotalSeconds;

        Console.WriteLine();
        Console.WriteLine($"FGSM on {images} test images ({Cli.FormatNumber(seconds, "0.0")} s)");
        string header = "epsilon  accuracy  correct  attack_success  mean_confidence";
        Console.WriteLine(published is null ? header : header + "  pytorch_tutorial");
        foreach (FgsmSweepRow row in rows)
        {
            string line = $"{Cli.FormatNumber(row.Epsilon, "0.00"),7}  {Cli.FormatNumber(row.Accuracy),8}  {row.Correct,7}  {Cli.Percent(row.AttackSuccessRate),14}  {Cli.FormatNumber(row.MeanAdversarialConfidence),15}";
            if (published is not null)
            {
                line += published.TryGetValue(row.Epsilon, out double accuracy) ? $"  {Cli.FormatNumber(accuracy),16}" : $"  {"-",16}";
            }

            Console.WriteLine(line);
        }

        SweepCsv.Write(csvPath, rows);
        Console.WriteLine($"wrote {csvPath}");
        return rows;
    }

    /// <summary>
    /// Runs the sweep of any other method, prints it and writes the CSV. The table shows exactly the CSV's fields under
    /// its column names, so every number printed is in the file.
    /// </summary>
    public static IReadOnlyList<AttackSweepRow> Run(Sequential model, LabeledImages test, float[] epsilons, AttackOptions options, string csvPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(csvPath))!);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<AttackSweepRow> rows = AttackSweep.Run(model, test, epsilons, options, progress: new StderrProgress($"{options.Method.ToString().ToLowerInvariant()} sweep", test.Count));
        double seconds = clock.Elapsed.TotalSeconds;

        string[] columns = SweepCsv.Columns(options.Method);
        string[][] fields = [.. rows.Select(r => SweepCsv.Fields(r, options))];
        int[] widths = [.. columns.Select((c, j) => fields.Select(f => f[j].Length).Append(c.Length).Max())];
        Console.WriteLine();
        Console.WriteLine($"{Title(options)} on {test.Count} test images ({Cli.FormatNumber(seconds, "0.0")} s)");
        Console.WriteLine(string.Join("  ", columns.Select((c, j) => c.PadLeft(widths[j]))));
        foreach (string[] row in fields)
        {
            Console.WriteLine(string.Join("  ", row.Select((f, j) => f.PadLeft(widths[j]))));
        }

        SweepCsv.Write(csvPath, rows, options);
        Console.WriteLine($"wrote {csvPath}");
        return rows;
    }

    private static string Title(AttackOptions options) => options.Method switch
    {
        AttackMethod.Targeted => "Targeted FGSM",
        AttackMethod.Bim => "BIM",
        _ => $"PGD (seed {options.Seed})",
    };

    /// <summary>"least-likely" → null; "0" … "9" → that class.</summary>
    private static int? ParseTarget(string text)
    {
        if (string.Equals(text.Trim(), LeastLikely, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int target) && target < LabeledImages.ClassCount
            ? target
            : throw new UserError($"--target must be a class 0..{LabeledImages.ClassCount - 1} or {LeastLikely} (got '{text}').");
    }
}
