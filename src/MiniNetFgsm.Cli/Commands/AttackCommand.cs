using System.CommandLine;
using System.Diagnostics;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Cli.Commands;

/// <summary><c>mininet attack</c>: FGSM robust accuracy over the test set for a list of eps.</summary>
internal static class AttackCommand
{
    public static Command Create()
    {
        var weights = Cli.WeightsOption(required: true);
        var eps = Cli.EpsOption();
        var output = new Option<string>("--out") { Description = "Folder for fgsm_sweep.csv.", DefaultValueFactory = _ => "out" };
        var data = Cli.DataOption();
        var threads = Cli.ThreadsOption();
        var command = new Command("attack", "Run FGSM on the 10,000 test images at each eps; print the table and write DIR/fgsm_sweep.csv.")
        {
            weights, eps, output, data, threads,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            float[] epsilons = Cli.ParseEpsilons(parse.GetValue(eps)!);
            LoadedModel loaded = ModelFile.Load(parse.GetValue(weights)!);
            loaded.Model.Threads = Cli.CheckThreads(parse.GetValue(threads));
            MnistDataset dataset = Cli.LoadData(parse.GetValue(data));
            string csv = Path.Combine(parse.GetValue(output)!, "fgsm_sweep.csv");
            Run(loaded.Model, dataset.Test, epsilons, csv, reference: null);
            return 0;
        }));
        return command;
    }

    /// <summary>Runs the sweep, prints it (beside <paramref name="reference"/> accuracies when given) and writes the CSV.</summary>
    public static IReadOnlyList<FgsmSweepRow> Run(Sequential model, LabeledImages test, float[] epsilons, string csvPath, IReadOnlyDictionary<float, double>? reference)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(csvPath))!);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<FgsmSweepRow> rows = FgsmSweep.Run(model, test, epsilons);
        double seconds = clock.Elapsed.TotalSeconds;

        Console.WriteLine();
        Console.WriteLine($"FGSM on {test.Count} test images ({Cli.F(seconds, "0.0")} s)");
        string header = "epsilon  accuracy  correct  attack_success  mean_confidence";
        Console.WriteLine(reference is null ? header : header + "  pytorch_tutorial");
        foreach (FgsmSweepRow row in rows)
        {
            string line = $"{Cli.F(row.Epsilon, "0.00"),7}  {Cli.F(row.Accuracy),8}  {row.Correct,7}  {Cli.Percent(row.AttackSuccessRate),14}  {Cli.F(row.MeanAdversarialConfidence),15}";
            if (reference is not null)
            {
                line += reference.TryGetValue(row.Epsilon, out double published) ? $"  {Cli.F(published),16}" : $"  {"-",16}";
            }

            Console.WriteLine(line);
        }

        SweepCsv.Write(csvPath, rows);
        Console.WriteLine($"wrote {csvPath}");
        return rows;
    }
}
