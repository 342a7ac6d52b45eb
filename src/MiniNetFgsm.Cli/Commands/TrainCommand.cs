using System.CommandLine;
using System.Diagnostics;
using MiniNetFgsm.Data;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Models;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Cli.Commands;

/// <summary><c>mininet train</c>: trains a model on MNIST and saves it as safetensors.</summary>
internal static class TrainCommand
{
    /// <summary>The library's defaults are the command's: every default below is read from here.</summary>
    private static readonly TrainingOptions Defaults = new();
    private static readonly AdversarialTrainingOptions AdversarialDefaults = new();

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Architecture: lenet or mnist-cnn.", DefaultValueFactory = _ => ModelZoo.LeNet };
        model.AcceptOnlyFromAmong([.. ModelZoo.Architectures]);
        var epochs = new Option<int>("--epochs") { Description = "Passes over the 60,000 training images.", DefaultValueFactory = _ => Defaults.Epochs };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => Defaults.BatchSize };
        var lr = new Option<float?>("--lr") { Description = "Learning rate, the peak of the cyclic schedule (default: 0.003 for adam, 0.01 for sgd)." };
        var decay = new Option<float>("--lr-decay") { Description = "Multiply the learning rate by this after every epoch (PyTorch StepLR gamma; 1 = constant).", DefaultValueFactory = _ => Defaults.LearningRateDecay };
        var schedule = new Option<string>("--lr-schedule")
        {
            Description = "step: multiply by --lr-decay after every epoch; cyclic: rise linearly from 0 to --lr over the first 40% of the batches, then fall to 0.",
            DefaultValueFactory = _ => Cli.Name(Defaults.LearningRateSchedule),
        };
        schedule.AcceptOnlyFromAmong([.. Enum.GetValues<LearningRateSchedule>().Select(Cli.Name)]);     // step, cyclic
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (momentum 0.9) or adam.", DefaultValueFactory = _ => Cli.Name(Defaults.Optimizer) };
        optimizer.AcceptOnlyFromAmong([.. Enum.GetValues<OptimizerKind>().Select(Cli.Name)]);        // sgd, adam
        var seed = new Option<int>("--seed") { Description = "Seed for initial weights, dropout and shuffling.", DefaultValueFactory = _ => Defaults.Seed };
        var threads = Cli.ThreadsOption();
        var data = Cli.DataOption();
        var output = new Option<string?>("--out") { Description = "Where to write the model (default: out/<model>.safetensors)." };
        var adversarial = new Option<string>("--adversarial")
        {
            Description = "none, or fgsm: train on FGSM examples from a random start in the eps ball (Wong et al.'s \"fast is better than free\").",
            DefaultValueFactory = _ => "none",
        };
        adversarial.AcceptOnlyFromAmong("none", "fgsm");
        var eps = new Option<float>("--eps") { Description = "Adversarial training: the L∞ budget in pixel units, in (0, 1].", DefaultValueFactory = _ => AdversarialDefaults.Epsilon };
        var advStep = new Option<float?>("--adv-step") { Description = "Adversarial training: the FGSM step from the random start (default 1.25 × eps)." };
        var robustImages = new Option<int>("--robust-images")
        {
            Description = "Adversarial training: test images on which PGD robust accuracy is measured after each epoch (0 = skip).",
            DefaultValueFactory = _ => AdversarialDefaults.RobustImages,
        };
        var robustSteps = new Option<int>("--robust-steps") { Description = "Adversarial training: PGD steps of that measurement.", DefaultValueFactory = _ => AdversarialDefaults.RobustSteps };

        var command = new Command("train", "Train a CNN on MNIST and save it as a PyTorch-compatible safetensors file.")
        {
            model, epochs, batch, lr, decay, schedule, optimizer, seed, threads, data, output, adversarial, eps, advStep, robustImages, robustSteps,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            string architecture = parse.GetValue(model)!;
            RejectGiven(parse, Cli.Parse<LearningRateSchedule>(parse.GetValue(schedule)!) == LearningRateSchedule.Cyclic, "only to --lr-schedule step (cyclic sets the rate every batch)", decay);
            RejectGiven(parse, parse.GetValue(adversarial) == "none", "only to adversarial training; add --adversarial fgsm", eps, advStep, robustImages, robustSteps);

            TrainingOptions options = ReadOptions(parse);
            string path = parse.GetValue(output) ?? Path.Combine("out", architecture + ".safetensors");
            Run(architecture, options, parse.GetValue(data), path);
            return 0;
        }));
        return command;
    }

    /// <summary>The training settings a parsed <c>train</c> command line asks for (options found by name).</summary>
    internal static TrainingOptions ReadOptions(ParseResult parse)
    {
        var options = new TrainingOptions
        {
            Epochs = parse.GetValue<int>("--epochs"),
            BatchSize = parse.GetValue<int>("--batch"),
            Optimizer = Cli.Parse<OptimizerKind>(parse.GetValue<string>("--optimizer")!),
            LearningRateDecay = parse.GetValue<float>("--lr-decay"),
            LearningRateSchedule = Cli.Parse<LearningRateSchedule>(parse.GetValue<string>("--lr-schedule")!),
            Seed = parse.GetValue<int>("--seed"),
            Threads = Cli.CheckThreads(parse.GetValue<int>("--threads")),
            Adversarial = parse.GetValue<string>("--adversarial") == "fgsm"
                ? new AdversarialTrainingOptions
                {
                    Epsilon = parse.GetValue<float>("--eps"), StepSize = parse.GetValue<float?>("--adv-step"),
                    RobustImages = parse.GetValue<int>("--robust-images"), RobustSteps = parse.GetValue<int>("--robust-steps"),
                    MeasureRobustAccuracy = AttackSweep.PgdAccuracy,
                }
                : null,
        };
        return parse.GetValue<float?>("--lr") is float lr ? options with { LearningRate = lr } : options;
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
        Console.WriteLine($"training {architecture}: {options.Epochs} epochs, batch {options.BatchSize}, {Cli.Name(options.Optimizer)} lr {options.LearningRate} {(options.LearningRateSchedule == LearningRateSchedule.Cyclic ? "(cyclic)" : $"(×{options.LearningRateDecay} per epoch)")}, seed {options.Seed}, {options.Threads} threads");

        Sequential model = ModelZoo.Create(architecture, options.Seed);
        var clock = Stopwatch.StartNew();
        if (options.Adversarial is { } adv)
        {
            Console.WriteLine($"adversarial training: FGSM from a random start, eps {Cli.FormatNumber(adv.Epsilon, "0.###")}, step {Cli.FormatNumber(adv.EffectiveStepSize, "0.###")}; " +
                              $"after each epoch, PGD-{adv.RobustSteps} (eps {Cli.FormatNumber(adv.Epsilon, "0.###")}) robust accuracy on the first {Math.Min(adv.RobustImages, data.Test.Count)} test images");
        }

        IReadOnlyList<EpochResult> epochs = Trainer.Train(model, data.Train, data.Test, options, new ConsoleProgress(), e =>
        {
            string robust = double.IsNaN(e.RobustAccuracy) ? "" : $", PGD robust accuracy {Cli.Percent(e.RobustAccuracy)}";
            Console.WriteLine($"epoch {e.Epoch}: train loss {Cli.FormatNumber(e.TrainLoss)}, test accuracy {Cli.Percent(e.TestAccuracy)}{robust} ({Cli.FormatNumber(e.Seconds, "0.0")} s)");
            if (e.CatastrophicOverfitting)
            {
                Console.WriteLine($"catastrophic overfitting in epoch {e.Epoch}: PGD robust accuracy collapsed to {Cli.Percent(e.RobustAccuracy)}; training stopped" +
                                  (e.RestoredEpoch is int best ? $", the weights of epoch {best} (the most robust) restored and saved" : "") +
                                  ". Try a smaller --adv-step or --lr.");
            }

            // The epoch's last, partial batch and the test set's reshape every layer's buffers (batch 32 → 16 → 32 per
            // replica), leaving tens of MB of freed large arrays behind each epoch; compacting them here keeps a
            // multi-epoch run's peak memory near one epoch's.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        });
        EpochResult kept = epochs[^1].RestoredEpoch is int restored ? epochs[restored - 1] : epochs[^1];

        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        ModelFile.Save(path, model, architecture, TrainingHistory.Of(architecture, options, epochs).ToMetadata());
        Console.WriteLine($"saved {path} ({Cli.FormatNumber(clock.Elapsed.TotalSeconds, "0.0")} s in all)");
        return (model, kept.TestAccuracy);
    }
}
