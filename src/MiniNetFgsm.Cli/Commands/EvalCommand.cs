using System.CommandLine;
using MiniNetFgsm.Data;
using MiniNetFgsm.Reference;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Cli.Commands;

/// <summary><c>mininet eval</c>: test accuracy and confusion matrix of a saved model.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var weights = Cli.WeightsOption(required: true);
        var architecture = Cli.ArchitectureOption();
        var data = Cli.DataOption();
        var threads = Cli.ThreadsOption();
        var images = Cli.ImagesOption();
        var reference = Cli.ReferenceOption("evaluate");
        var command = new Command("eval", "Print a model's accuracy on the 10,000 test images and its confusion matrix.") { weights, architecture, data, threads, images, reference };
        command.SetAction(parse => Cli.Run(() =>
        {
            int? count = Cli.CheckImages(parse.GetValue(images));
            LoadedModel loaded = ModelFile.Load(parse.GetValue(weights)!, parse.GetValue(architecture));
            loaded.Model.Threads = Cli.CheckThreads(parse.GetValue(threads));
            MnistDataset dataset = Cli.LoadData(parse.GetValue(data));
            LabeledImages test = Cli.FirstImages(dataset.Test, count);
            EvaluationResult result = parse.GetValue(reference)
                ? ReferenceSweep.Evaluate(ReferenceModel.FromWeights(loaded.Architecture, loaded.Model), test)
                : Evaluator.Evaluate(loaded.Model, test);
            Console.WriteLine($"{loaded.Architecture}: test accuracy {Cli.Percent(result.Accuracy)} ({result.Correct}/{result.Total})");
            Console.WriteLine();
            Console.WriteLine("confusion matrix (rows: true label, columns: predicted)");
            Console.WriteLine("      " + string.Concat(Enumerable.Range(0, 10).Select(j => $"{j,6}")));
            for (int i = 0; i < 10; i++)
            {
                Console.WriteLine($"{i,6}" + string.Concat(Enumerable.Range(0, 10).Select(j => $"{result.Confusion[i, j],6}")));
            }

            return 0;
        }));
        return command;
    }
}
