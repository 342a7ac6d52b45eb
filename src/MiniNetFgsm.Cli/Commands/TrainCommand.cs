using System.CommandLine;
using System.Diagnostics;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Cli.Commands;

/// <summary><c>mininet train</c>: trains a model on MNIST and saves it as safetensors.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Architecture: lenet or mnist-cnn.", DefaultValueFactory = _ => ModelZoo.LeNet };
        model.AcceptOnlyFromAmong([.. ModelZoo.Architectures]);
        var epochs = new Option<int>("--epochs") { Description = "Passes over the 60,000 training images.", DefaultValueFactory = _ => 3 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 };
        var lr = new Option<float?>("--lr") { Description = "Learning rate (default: 0.001 for adam, 0.01 for sgd)." };
        var decay = new Option<float>("--lr-decay") { Description = "Multiply the learning rate by this after every epoch (PyTorch StepLR gamma; 1 = constant).", DefaultValueFactory = _ => 0.7f };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (momentum 0.9) or adam.", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam");
        var seed = new Option<int>("--seed") { Description = "Seed for initial weights, dropout and shuffling.", DefaultValueFactory = _ => 1 };
        var threads = Cli.ThreadsOption();
        var data = Cli.DataOption();
        var output = new Option<string?>("--out") { Description = "Where to write the model (default: out/<model>.safetensors)." };

        var command = new Command("train", "Train a CNN on MNIST and save it as a PyTorch-compatible safetensors file.")
        {
            model, epochs, batch, lr, decay, optimizer, seed, threads, data, output,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            string architecture = parse.GetValue(model)!;
            string opt = parse.GetValue(optimizer)!;
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                Optimizer = opt,
                LearningRate = parse.GetValue(lr) ?? (opt == "sgd" ? 0.01f : 0.001f),
                LearningRateDecay = parse.GetValue(decay),
                Seed = parse.GetValue(seed),
                Threads = Cli.CheckThreads(parse.GetValue(threads)),
            };
            string path = parse.GetValue(output) ?? Path.Combine("out", architecture + ".safetensors");
            Run(architecture, options, parse.GetValue(data), path);
            return 0;
        }));
        return command;
    }

    /// <summary>Trains and saves; prints one line per epoch. Returns the trained model and the last test accuracy.</summary>
    public static (Sequential Model, double Accuracy) Run(string architecture, TrainingOptions options, string? dataDirectory, string path)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UserError(ex.Message);
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        MnistDataset data = Cli.LoadData(dataDirectory);
        Console.WriteLine($"data: {data.Train.Count} training and {data.Test.Count} test images from {data.SourceDirectory}{(data.IsVerified ? " (checksums verified)" : "")}");
        Console.WriteLine($"training {architecture}: {options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate} (×{options.LearningRateDecay} per epoch), seed {options.Seed}, {options.Threads} threads");

        Sequential model = ModelZoo.Create(architecture, options.Seed);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<EpochResult> epochs = Trainer.Train(model, data.Train, data.Test, options, new ConsoleProgress(), e =>
            Console.WriteLine($"epoch {e.Epoch}: train loss {Cli.F(e.TrainLoss)}, test accuracy {Cli.Percent(e.TestAccuracy)} ({Cli.F(e.Seconds, "0.0")} s)"));

        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        ModelFile.Save(path, model, architecture);
        Console.WriteLine($"saved {path} ({Cli.F(clock.Elapsed.TotalSeconds, "0.0")} s in all)");
        return (model, epochs[^1].TestAccuracy);
    }
}
