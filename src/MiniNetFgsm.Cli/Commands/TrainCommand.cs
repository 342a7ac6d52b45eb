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
        var lr = new Option<float?>("--lr") { Description = "Learning rate, the peak of the cyclic schedule (default: 0.003 for adam, 0.01 for sgd)." };
        var decay = new Option<float>("--lr-decay") { Description = "Multiply the learning rate by this after every epoch (PyTorch StepLR gamma; 1 = constant).", DefaultValueFactory = _ => 0.7f };
        var schedule = new Option<string>("--lr-schedule")
        {
            Description = "step: multiply by --lr-decay after every epoch; cyclic: rise linearly from 0 to --lr over the first 40% of the batches, then fall to 0.",
            DefaultValueFactory = _ => "cyclic",
        };
        schedule.AcceptOnlyFromAmong("step", "cyclic");
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (momentum 0.9) or adam.", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam");
        var seed = new Option<int>("--seed") { Description = "Seed for initial weights, dropout and shuffling.", DefaultValueFactory = _ => 1 };
        var threads = Cli.ThreadsOption();
        var data = Cli.DataOption();
        var output = new Option<string?>("--out") { Description = "Where to write the model (default: out/<model>.safetensors)." };
        var adversarial = new Option<string>("--adversarial")
        {
            Description = "none, or fgsm: train on FGSM examples from a random start in the eps ball (Wong et al.'s \"fast is better than free\").",
            DefaultValueFactory = _ => "none",
        };
        adversarial.AcceptOnlyFromAmong("none", "fgsm");
        var eps = new Option<float>("--eps") { Description = "Adversarial training: the L∞ budget in pixel units, in (0, 1].", DefaultValueFactory = _ => 0.3f };
        var advStep = new Option<float?>("--adv-step") { Description = "Adversarial training: the FGSM step from the random start (default 1.25 × eps)." };
        var robustImages = new Option<int>("--robust-images")
        {
            Description = "Adversarial training: test images on which PGD robust accuracy is measured after each epoch (0 = skip).",
            DefaultValueFactory = _ => 1000,
        };
        var robustSteps = new Option<int>("--robust-steps") { Description = "Adversarial training: PGD steps of that measurement.", DefaultValueFactory = _ => 20 };

        var command = new Command("train", "Train a CNN on MNIST and save it as a PyTorch-compatible safetensors file.")
        {
            model, epochs, batch, lr, decay, schedule, optimizer, seed, threads, data, output, adversarial, eps, advStep, robustImages, robustSteps,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            string architecture = parse.GetValue(model)!;
            RejectGiven(parse, parse.GetValue(schedule) == "cyclic", "only to --lr-schedule step (cyclic sets the rate every batch)", decay);
            RejectGiven(parse, parse.GetValue(adversarial) == "none", "only to adversarial training; add --adversarial fgsm", eps, advStep, robustImages, robustSteps);

            string opt = parse.GetValue(optimizer)!;
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                Optimizer = opt,
                LearningRate = parse.GetValue(lr) ?? (opt == "sgd" ? 0.01f : 0.003f),
                LearningRateDecay = parse.GetValue(decay),
                LearningRateSchedule = parse.GetValue(schedule)!,
                Seed = parse.GetValue(seed),
                Threads = Cli.CheckThreads(parse.GetValue(threads)),
                Adversarial = parse.GetValue(adversarial) == "fgsm"
                    ? new AdversarialTrainingOptions
                    {
                        Epsilon = parse.GetValue(eps), StepSize = parse.GetValue(advStep),
                        RobustImages = parse.GetValue(robustImages), RobustSteps = parse.GetValue(robustSteps),
                    }
                    : null,
            };
            string path = parse.GetValue(output) ?? Path.Combine("out", architecture + ".safetensors");
            Run(architecture, options, parse.GetValue(data), path);
            return 0;
        }));
        return command;
    }

    /// <summary>When <paramref name="inapplicable"/>, an option the user typed among <paramref name="options"/> is a mistake: "{option} applies {why}."</summary>
    private static void RejectGiven(ParseResult parse, bool inapplicable, string why, params Option[] options)
    {
        foreach (Option option in options)
        {
            if (inapplicable && parse.GetResult(option) is { Implicit: false })
            {
                throw new UserError($"{option.Name} applies {why}.");
            }
        }
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
        Console.WriteLine($"training {architecture}: {options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate} {(options.LearningRateSchedule == "cyclic" ? "(cyclic)" : $"(×{options.LearningRateDecay} per epoch)")}, seed {options.Seed}, {options.Threads} threads");

        Sequential model = ModelZoo.Create(architecture, options.Seed);
        var clock = Stopwatch.StartNew();
        if (options.Adversarial is { } adv)
        {
            Console.WriteLine($"adversarial training: FGSM from a random start, eps {Cli.F(adv.Epsilon, "0.###")}, step {Cli.F(adv.EffectiveStepSize, "0.###")}; " +
                              $"after each epoch, PGD-{adv.RobustSteps} (eps {Cli.F(adv.Epsilon, "0.###")}) robust accuracy on the first {Math.Min(adv.RobustImages, data.Test.Count)} test images");
        }

        IReadOnlyList<EpochResult> epochs = Trainer.Train(model, data.Train, data.Test, options, new ConsoleProgress(), e =>
        {
            string robust = double.IsNaN(e.RobustAccuracy) ? "" : $", PGD robust accuracy {Cli.Percent(e.RobustAccuracy)}";
            Console.WriteLine($"epoch {e.Epoch}: train loss {Cli.F(e.TrainLoss)}, test accuracy {Cli.Percent(e.TestAccuracy)}{robust} ({Cli.F(e.Seconds, "0.0")} s)");
            if (e.CatastrophicOverfitting)
            {
                Console.WriteLine($"catastrophic overfitting in epoch {e.Epoch}: PGD robust accuracy collapsed to {Cli.Percent(e.RobustAccuracy)}; training stopped" +
                                  (e.RestoredEpoch is int best ? $", the weights of epoch {best} (the most robust) restored and saved" : "") +
                                  ". Try a smaller --adv-step or --lr.");
            }

            // The epoch's last, partial batch and the test set's reshape every layer's buffers (batch 32 → 16 → 32 per
            // replica), leaving tens of MB of freed large arrays behind each epoch; compacting them here keeps a
            // 3-epoch mnist-cnn run's peak RSS near one epoch's (measured 294–325 MB without this).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        });
        EpochResult kept = epochs[^1].RestoredEpoch is int restored ? epochs[restored - 1] : epochs[^1];

        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        ModelFile.Save(path, model, architecture, TrainingHistory.Of(architecture, options, epochs).ToMetadata());
        Console.WriteLine($"saved {path} ({Cli.F(clock.Elapsed.TotalSeconds, "0.0")} s in all)");
        return (model, kept.TestAccuracy);
    }
}
