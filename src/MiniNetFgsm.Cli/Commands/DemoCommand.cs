using System.CommandLine;
using System.Diagnostics;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Reporting;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Cli.Commands;

/// <summary>
/// <c>mininet demo</c>: the whole story in one command. Trains LeNet on MNIST (or reuses a model in the output
/// folder trained with the same settings), reports its test accuracy, runs the FGSM sweep and prints it beside the
/// accuracies published by the PyTorch FGSM tutorial, then writes the report (figures and report.html) for the model.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The PyTorch FGSM tutorial's LeNet accuracies at eps 0, 0.05, …, 0.3.</summary>
    private static readonly Dictionary<float, double> TutorialAccuracy = TutorialReference.LeNetAccuracy.ToDictionary(r => r.Epsilon, r => r.Accuracy);

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for everything the demo writes.", DefaultValueFactory = _ => "out" };
        var data = Cli.DataOption();
        var threads = Cli.ThreadsOption();
        var command = new Command("demo", "Train LeNet on MNIST, attack it with FGSM and compare with the PyTorch tutorial.") { output, data, threads };
        command.SetAction(parse => Cli.Run(() =>
        {
            int threadCount = Cli.CheckThreads(parse.GetValue(threads));
            Run(Cli.CheckOutputFolder(parse.GetValue(output)!, "--out"), parse.GetValue(data), threadCount);
            return 0;
        }));
        return command;
    }

    private static void Run(string outputDirectory, string? dataDirectory, int threads)
    {
        var clock = Stopwatch.StartNew();
        var options = new TrainingOptions
        {
            Epochs = 3, BatchSize = 64, Optimizer = OptimizerKind.Adam, LearningRate = 0.003f, LearningRateSchedule = LearningRateSchedule.Cyclic, Seed = 1, Threads = threads,
        };
        Directory.CreateDirectory(outputDirectory);
        string modelPath = Path.Combine(outputDirectory, "lenet.safetensors");
        string settingsPath = Path.Combine(outputDirectory, "lenet.settings.txt");
        string settings = $"lenet epochs={options.Epochs} batch={options.BatchSize} optimizer={Cli.Name(options.Optimizer)} lr={Cli.FormatNumber(options.LearningRate, "R")} schedule={Cli.Name(options.LearningRateSchedule)} seed={options.Seed} threads={threads}";

        Sequential model;
        if (File.Exists(modelPath) && File.Exists(settingsPath) && File.ReadAllText(settingsPath).Trim() == settings)
        {
            model = ModelFile.Load(modelPath).Model;
            model.Threads = threads;
            Console.WriteLine($"reusing {modelPath} (trained with: {settings})");
        }
        else
        {
            model = TrainCommand.Run(ModelZoo.LeNet, options, dataDirectory, modelPath).Model;
            AtomicFile.WriteText(settingsPath, w => w.WriteLine(settings));
        }

        var dataset = Cli.LoadData(dataDirectory);
        EvaluationResult clean = Evaluator.Evaluate(model, dataset.Test);
        Console.WriteLine($"lenet test accuracy: {Cli.Percent(clean.Accuracy)} ({clean.Correct}/{clean.Total})");

        AttackCommand.Run(model, dataset.Test, [.. FgsmSweep.DefaultEpsilons], Path.Combine(outputDirectory, "fgsm_sweep.csv"), TutorialAccuracy);

        // The report reads the model back from its file, for the training history stored beside the weights.
        Console.WriteLine();
        LoadedModel saved = ModelFile.Load(modelPath);
        saved.Model.Threads = threads;
        string html = ReportCommand.Run(saved, Path.GetFileName(modelPath), dataset.Test, new ReportOptions(), Path.Combine(outputDirectory, "report"));
        Console.WriteLine($"report: {html}");
        Console.WriteLine($"demo finished in {Cli.FormatNumber(clock.Elapsed.TotalSeconds, "0.0")} s");
    }
}
