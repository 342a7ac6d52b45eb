using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
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
        var checkpointDir = new Option<string?>("--checkpoint-dir")
        {
            Description = "Write DIR/epoch-N.safetensors after every epoch (the weights plus everything needed to continue exactly: optimizer, "
                        + "dropout generators, position, settings); Ctrl-C then saves DIR/epoch-N-batch-B.safetensors before stopping.",
        };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue the run a checkpoint file was written by, with its settings (same final weights, bit for bit, as an uninterrupted run).",
        };

        var command = new Command("train", "Train a CNN on MNIST and save it as a PyTorch-compatible safetensors file.")
        {
            model, epochs, batch, lr, decay, schedule, optimizer, seed, threads, data, output, adversarial, eps, advStep, robustImages, robustSteps, checkpointDir, resume,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            if (parse.GetValue(resume) is { } checkpointPath)
            {
                foreach (Option setting in new Option[] { model, epochs, batch, lr, decay, schedule, optimizer, seed, adversarial, eps, advStep, robustImages, robustSteps })
                {
                    if (Cli.Given(parse, setting))
                    {
                        throw new UserError($"{setting.Name} comes from the checkpoint when resuming; leave it out of `train --resume`.");
                    }
                }

                (LoadedModel loaded, TrainingState state) = TrainingCheckpoint.Load(checkpointPath);
                int checkpointThreads = state.Options.Threads;
                if (Cli.Given(parse, threads) && Cli.CheckThreads(parse.GetValue(threads)) != checkpointThreads)
                {
                    throw new UserError($"--threads {parse.GetValue(threads)} differs from the checkpoint's {checkpointThreads}; the run continues bit for bit only on the same count (leave --threads out).");
                }

                TrainingOptions resumed = state.Options.Adversarial is { } adv
                    ? state.Options with { Adversarial = adv with { MeasureRobustAccuracy = AttackSweep.PgdAccuracy } }
                    : state.Options;
                state.Options = resumed;
                string resumedPath = parse.GetValue(output) ?? Path.Combine("out", loaded.Architecture + ".safetensors");
                Run(loaded.Architecture, resumed, parse.GetValue(data), resumedPath, parse.GetValue(checkpointDir), (loaded.Model, state, checkpointPath));
                return 0;
            }

            string architecture = parse.GetValue(model)!;
            Cli.RejectGiven(parse, Cli.Parse<LearningRateSchedule>(parse.GetValue(schedule)!) == LearningRateSchedule.Cyclic, "only to --lr-schedule step (cyclic sets the rate every batch)", decay);
            Cli.RejectGiven(parse, parse.GetValue(adversarial) == "none", "only to adversarial training; add --adversarial fgsm", eps, advStep, robustImages, robustSteps);

            TrainingOptions options = ReadOptions(parse);
            string path = parse.GetValue(output) ?? Path.Combine("out", architecture + ".safetensors");
            Run(architecture, options, parse.GetValue(data), path, parse.GetValue(checkpointDir));
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

    /// <summary>
    /// Trains and saves; prints one line per epoch. Returns the trained model and the last test accuracy. <paramref name="path"/>
    /// (and <paramref name="checkpointDirectory"/>) are checked for writing before anything is loaded. With
    /// <paramref name="resume"/>, continues that checkpoint's run (<paramref name="options"/> are then its settings).
    /// </summary>
    public static (Sequential Model, double Accuracy) Run(
        string architecture, TrainingOptions options, string? dataDirectory, string path, string? checkpointDirectory = null,
        (Sequential Model, TrainingState State, string Path)? resume = null)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UserError(ex.Message);
        }

        Cli.CheckOutputFile(path, "--out");
        if (checkpointDirectory is not null)
        {
            Cli.CheckOutputFolder(checkpointDirectory, "--checkpoint-dir");
        }

        MnistDataset data = Cli.LoadData(dataDirectory);
        Console.WriteLine($"data: {data.Train.Count} training and {data.Test.Count} test images from {data.SourceDirectory}{(data.IsVerified ? " (checksums verified)" : "")}");
        if (resume is { } from)
        {
            if (from.State.TrainImages != data.Train.Count)
            {
                throw new UserError($"{from.Path} was trained on {from.State.TrainImages} training images, but the data folder has {data.Train.Count}; pass the same --data.");
            }

            Console.WriteLine($"resuming {from.Path}: {(from.State.Batch == 0 ? $"{from.State.History.Count} of {options.Epochs} epochs done" : $"epoch {from.State.Epoch} of {options.Epochs}, {from.State.Batch} batches done")}");
        }

        Console.WriteLine($"training {architecture}: {options.Epochs} epochs, batch {options.BatchSize}, {Cli.Name(options.Optimizer)} lr {options.LearningRate} {(options.LearningRateSchedule == LearningRateSchedule.Cyclic ? "(cyclic)" : $"(×{options.LearningRateDecay} per epoch)")}, seed {options.Seed}, {options.Threads} threads");

        Sequential model = resume?.Model ?? ModelZoo.Create(architecture, options.Seed);
        var clock = Stopwatch.StartNew();
        if (options.Adversarial is { } adv)
        {
            Console.WriteLine($"adversarial training: FGSM from a random start, eps {Cli.FormatNumber(adv.Epsilon, "0.###")}, step {Cli.FormatNumber(adv.EffectiveStepSize, "0.###")}; " +
                              $"after each epoch, PGD-{adv.RobustSteps} (eps {Cli.FormatNumber(adv.Epsilon, "0.###")}) robust accuracy on the first {Math.Min(adv.RobustImages, data.Test.Count)} test images");
        }

        // Every state the trainer hands over is remembered (to say where an interruption stopped) and, with --checkpoint-dir, written.
        TrainingState? last = null;
        string? lastCheckpoint = null;
        void Checkpoint(TrainingState state)
        {
            last = state;
            if (checkpointDirectory is null)
            {
                return;
            }

            Directory.CreateDirectory(checkpointDirectory);
            string file = Path.Combine(checkpointDirectory, state.Batch == 0 ? $"epoch-{state.History.Count}.safetensors" : $"epoch-{state.Epoch}-batch-{state.Batch}.safetensors");
            TrainingCheckpoint.Save(file, model, state);
            lastCheckpoint = file;
            Console.WriteLine($"checkpoint: wrote {file}");
        }

        // Ctrl-C asks the trainer to stop after the batch in progress; a second Ctrl-C quits at once.
        using var interrupt = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            if (!interrupt.IsCancellationRequested)
            {
                context.Cancel = true;
                interrupt.Cancel();
            }
        });

        IReadOnlyList<EpochResult> epochs;
        try
        {
            epochs = Trainer.Train(model, data.Train, data.Test, options, new ConsoleProgress(), e =>
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
            }, resume?.State, Checkpoint, interrupt.Token);
        }
        catch (TrainingDivergedException e)
        {
            throw new UserError($"{e.Message} Nothing was saved to {path}{(lastCheckpoint is null ? "" : $" (the last good checkpoint is {lastCheckpoint})")}; try a smaller --lr (it was {options.LearningRate}).");
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            string where = last switch
            {
                null => "before the first batch",
                { Batch: 0 } => $"after epoch {last.History.Count}",
                _ => $"in epoch {last.Epoch} after {last.Batch} batches",
            };
            throw new Interrupted(lastCheckpoint is null
                ? $"Ctrl-C {where}; nothing saved (pass --checkpoint-dir DIR to keep a checkpoint)."
                : $"Ctrl-C {where}; checkpoint saved to {lastCheckpoint}; continue with: mininet train --resume {lastCheckpoint}");
        }

        EpochResult kept = epochs[^1].RestoredEpoch is int restored ? epochs[restored - 1] : epochs[^1];
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        ModelFile.Save(path, model, architecture, TrainingHistory.Of(architecture, options, epochs).ToMetadata());
        Console.WriteLine($"saved {path} ({Cli.FormatNumber(clock.Elapsed.TotalSeconds, "0.0")} s in all)");
        return (model, kept.TestAccuracy);
    }
}
