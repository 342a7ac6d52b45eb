using System.CommandLine;
using System.Diagnostics;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Reporting;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Cli.Commands;

/// <summary><c>mininet report</c>: the figures (SVG) and one self-contained report.html for a model.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var weights = Cli.WeightsOption(required: true);
        var output = new Option<string>("--out") { Description = "Folder for the SVG figures and report.html.", DefaultValueFactory = _ => Path.Combine("out", "report") };
        var eps = Cli.EpsOption();
        var methods = new Option<string>("--methods")
        {
            Description = "Comma-separated attacks to sweep: fgsm, bim, pgd, targeted (bim and pgd take --steps gradient steps per eps: far slower).",
            DefaultValueFactory = _ => "fgsm",
        };
        var images = new Option<int?>("--images") { Description = "Use the first N test images (default: all 10,000)." };
        var examples = new Option<int>("--examples") { Description = "Images per row of the example grid, 1..20.", DefaultValueFactory = _ => 5 };
        var confusionEps = new Option<float>("--confusion-eps") { Description = "The FGSM eps of the adversarial confusion matrix.", DefaultValueFactory = _ => 0.1f };
        var steps = new Option<int>("--steps") { Description = "bim, pgd: gradient steps per attack.", DefaultValueFactory = _ => 40 };
        var restarts = new Option<int>("--restarts") { Description = "pgd: random starts per image.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "pgd: seed of the random starts.", DefaultValueFactory = _ => 1 };
        var data = Cli.DataOption();
        var threads = Cli.ThreadsOption();
        var command = new Command("report", "Attack a model and write SVG figures and a self-contained report.html (accuracy vs eps, examples, minimal eps, confusion, training).")
        {
            weights, output, eps, methods, images, examples, confusionEps, steps, restarts, seed, data, threads,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            var options = new ReportOptions
            {
                Epsilons = Cli.ParseEpsilons(parse.GetValue(eps)!),
                Methods = ParseMethods(parse.GetValue(methods)!),
                Examples = parse.GetValue(examples),
                ConfusionEpsilon = parse.GetValue(confusionEps),
                Attack = new AttackOptions { Steps = parse.GetValue(steps), Restarts = parse.GetValue(restarts), Seed = parse.GetValue(seed) },
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new UserError(ex.Message);
            }

            string path = parse.GetValue(weights)!;
            LoadedModel loaded = ModelFile.Load(path);
            loaded.Model.Threads = Cli.CheckThreads(parse.GetValue(threads));
            LabeledImages test = Cli.LoadData(parse.GetValue(data)).Test;
            if (parse.GetValue(images) is int n)
            {
                test = n >= 1 && n <= test.Count ? test.Subset(0, n) : throw new UserError($"--images must be in 1..{test.Count} (got {n}).");
            }

            Run(loaded, Path.GetFileName(path), test, options, parse.GetValue(output)!);
            return 0;
        }));
        return command;
    }

    /// <summary>Measures, writes every file into <paramref name="directory"/>, prints a summary on stdout; returns report.html's path.</summary>
    public static string Run(LoadedModel loaded, string modelName, LabeledImages test, ReportOptions options, string directory)
    {
        var clock = Stopwatch.StartNew();
        TrainingHistory? history;
        try
        {
            history = TrainingHistory.FromMetadata(loaded.Metadata);
        }
        catch (InvalidDataException ex)
        {
            Console.Error.WriteLine($"warning: {modelName}: {ex.Message}; the report leaves the training history out.");
            history = null;
        }

        ReportData report = RobustnessReport.Compute(
            loaded.Model, loaded.Architecture, modelName, test, options, history,
            (phase, total) => new StderrProgress(phase, total, phase == RobustnessReport.MinimalPhase ? "grid steps" : "images"));
        ReportFiles files = HtmlReport.Write(report, directory);

        Console.WriteLine($"{modelName} ({loaded.Architecture}): clean accuracy {Cli.Percent(report.Clean.Accuracy)} on {report.Images} test images");
        foreach (MethodSweep sweep in report.Sweeps)
        {
            string accuracies = string.Join("  ", sweep.Rows.Select(r => $"{Cli.FormatNumber(r.Epsilon, "0.###")}: {Cli.FormatNumber(r.Accuracy)}"));
            Console.WriteLine($"{ReportFigures.MethodName(sweep.Method)} accuracy by eps  {accuracies}");
        }

        MinimalEpsilonSummary s = report.Minimal.Summarize();
        Console.WriteLine($"minimal FGSM eps: median {Cli.FormatNumber(s.Median)}, {files.Histogram.Total} images fooled; FGSM eps {Cli.FormatNumber(options.ConfusionEpsilon, "0.###")} accuracy {Cli.Percent(report.Adversarial.Accuracy)}");
        foreach (string svg in files.Svgs.Values)
        {
            Console.WriteLine($"wrote {svg}");
        }

        Console.WriteLine($"wrote {files.Html} ({Cli.FormatNumber(clock.Elapsed.TotalSeconds, "0.0")} s)");
        return files.Html;
    }

    /// <summary>"fgsm,bim" → the methods, each once.</summary>
    private static AttackMethod[] ParseMethods(string text)
    {
        string[] names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var methods = new List<AttackMethod>();
        foreach (string name in names)
        {
            if (!Enum.TryParse(name, ignoreCase: true, out AttackMethod method) || !Enum.IsDefined(method) || int.TryParse(name, out _))
            {
                throw new UserError($"--methods: unknown attack '{name}'; expected fgsm, bim, pgd or targeted.");
            }

            if (methods.Contains(method))
            {
                throw new UserError($"--methods names {name} twice.");
            }

            methods.Add(method);
        }

        return methods.Count > 0 ? [.. methods] : throw new UserError("--methods needs at least one attack, e.g. --methods fgsm,pgd.");
    }
}
