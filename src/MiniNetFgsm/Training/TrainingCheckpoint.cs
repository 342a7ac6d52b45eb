using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniNetFgsm.Layers;
using MiniNetFgsm.Optimizers;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Training;

/// <summary>
/// Checkpoint files: a model file (<see cref="ModelFile"/>: the parameters under their PyTorch names, <c>__metadata__.architecture</c>)
/// that also holds a <see cref="TrainingState"/>, so <c>mininet eval</c> and PyTorch read it as a model and
/// <c>mininet train --resume</c> continues from it:
/// <code>
/// conv1.weight, conv1.bias, ...            the weights
/// optimizer.conv1.weight.m, ... .v         Adam's moments (SGD: optimizer.{parameter}.momentum)
/// best.conv1.weight, ...                   adversarial training: the most robust epoch's weights, when kept
/// __metadata__.checkpoint                  JSON (a string, as safetensors requires): format, epoch, batch, learning rate,
///                                          optimizer steps, the settings, the dropout generators, the history
/// </code>
/// Every number in the JSON round-trips exactly (shortest round-trip formatting; NaN as null); generator states are hex.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The <c>__metadata__</c> key holding the training state as JSON.</summary>
    public const string MetadataKey = ModelFile.CheckpointKey;

    /// <summary>Prefix of the optimizer's tensors.</summary>
    public const string OptimizerPrefix = ModelFile.OptimizerStatePrefix;

    /// <summary>Prefix of the most robust epoch's weights (adversarial training).</summary>
    public const string BestPrefix = ModelFile.BestWeightsPrefix;

    private const int Format = 1;

    /// <summary>Writes <paramref name="model"/>'s weights and <paramref name="state"/> to <paramref name="path"/>, atomically (see <see cref="SafeTensors.Write"/>).</summary>
    /// <exception cref="ArgumentException">The model was not built by <see cref="Models.ModelZoo"/>.</exception>
    public static void Save(string path, Sequential model, TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        string architecture = model.Architecture ?? throw new ArgumentException("Only ModelZoo models can be checkpointed.", nameof(model));
        var tensors = model.Parameters.Select(p => (p.Name, p.Value)).ToList();
        foreach ((string name, float[][] perParameter) in state.OptimizerBuffers)
        {
            tensors.AddRange(model.Parameters.Select((p, k) => ($"{OptimizerPrefix}{p.Name}.{name}", new Tensor(perParameter[k], p.Value.Shape))));
        }

        if (state.BestWeights is { } best)
        {
            tensors.AddRange(model.Parameters.Select((p, k) => (BestPrefix + p.Name, new Tensor(best[k], p.Value.Shape))));
        }

        var json = new JsonObject
        {
            ["format"] = Format,
            ["epochs_done"] = state.History.Count,
            ["epoch"] = state.Epoch,
            ["batch"] = state.Batch,
            ["epoch_loss"] = state.EpochLoss,
            ["learning_rate"] = state.LearningRate,
            ["optimizer_steps"] = state.OptimizerSteps,
            ["optimizer_buffers"] = new JsonArray([.. state.OptimizerBuffers.Select(b => (JsonNode)b.Name)]),
            ["train_images"] = state.TrainImages,
            ["settings"] = Settings(state.Options),
            ["dropout"] = new JsonArray([.. state.Dropout.Select(d => (JsonNode)Convert.ToHexString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.AsSpan())))]),
            ["best_robust_accuracy"] = Number(state.BestRobustAccuracy),
            ["best_robust_epoch"] = state.BestRobustEpoch,
            ["history"] = new JsonArray([.. state.History.Select(e => (JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch, ["train_loss"] = Number(e.TrainLoss), ["test_accuracy"] = Number(e.TestAccuracy), ["seconds"] = e.Seconds,
                ["robust_accuracy"] = Number(e.RobustAccuracy), ["catastrophic_overfitting"] = e.CatastrophicOverfitting, ["restored_epoch"] = e.RestoredEpoch,
            })]),
        };
        SafeTensors.Write(path, tensors, new Dictionary<string, string>
        {
            [ModelFile.ArchitectureKey] = architecture,
            [MetadataKey] = json.ToJsonString(),
        });
    }

    /// <summary>Reads a checkpoint: the model (as <see cref="ModelFile.Load(string)"/>) and the training state it holds.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid model file, or holds no valid training state (a plain model file); the message starts with the path.</exception>
    public static (LoadedModel Model, TrainingState State) Load(string path)
    {
        LoadedModel loaded = ModelFile.Load(path);
        if (!loaded.Metadata.TryGetValue(MetadataKey, out string? text))
        {
            throw new InvalidDataException($"{path}: not a checkpoint (__metadata__ has no '{MetadataKey}' entry); checkpoints are written by `mininet train --checkpoint-dir`.");
        }

        SafeTensorsFile file = SafeTensors.Read(path);
        try
        {
            JsonObject json = JsonNode.Parse(text)?.AsObject() ?? throw new FormatException("the checkpoint entry is null");
            if (json["format"]!.GetValue<int>() != Format)
            {
                throw new FormatException($"format {json["format"]} is not {Format}");
            }

            IReadOnlyList<Parameter> parameters = loaded.Model.Parameters;
            float[][] Tensors(string prefix, string suffix) => [.. parameters.Select(p =>
                file.TryGetTensor(prefix + p.Name + suffix, out Tensor? t) && t.HasShape(p.Value.Shape)
                    ? t.Span.ToArray()
                    : throw new FormatException($"tensor '{prefix}{p.Name}{suffix}' is missing or has the wrong shape"))];

            string[] bufferNames = [.. json["optimizer_buffers"]!.AsArray().Select(n => n!.GetValue<string>())];
            bool hasBest = parameters.Count > 0 && file.TryGetTensor(BestPrefix + parameters[0].Name, out _);
            var history = json["history"]!.AsArray().Select(n => n!.AsObject()).Select(e => new EpochResult(
                e["epoch"]!.GetValue<int>(), Double(e["train_loss"]), Double(e["test_accuracy"]), e["seconds"]!.GetValue<double>())
            {
                RobustAccuracy = Double(e["robust_accuracy"]),
                CatastrophicOverfitting = e["catastrophic_overfitting"]!.GetValue<bool>(),
                RestoredEpoch = e["restored_epoch"]?.GetValue<int>(),
            }).ToArray();
            var state = new TrainingState(ReadSettings(json["settings"]!.AsObject()), json["train_images"]!.GetValue<int>(),
                json["epoch"]!.GetValue<int>(), json["batch"]!.GetValue<int>(), history)
            {
                EpochLoss = json["epoch_loss"]!.GetValue<double>(),
                LearningRate = json["learning_rate"]!.GetValue<float>(),
                OptimizerSteps = json["optimizer_steps"]!.GetValue<long>(),
                OptimizerBuffers = [.. bufferNames.Select(name => (name, Tensors(OptimizerPrefix, "." + name)))],
                Dropout = [.. json["dropout"]!.AsArray().Select(n => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(Convert.FromHexString(n!.GetValue<string>())).ToArray())],
                BestRobustAccuracy = Double(json["best_robust_accuracy"], double.NegativeInfinity),
                BestRobustEpoch = json["best_robust_epoch"]!.GetValue<int>(),
                BestWeights = hasBest ? Tensors(BestPrefix, "") : null,
            };
            // The robust-accuracy measure is code the caller sets again; everything else must already be valid.
            (state.Options with { Adversarial = state.Options.Adversarial is { } a ? a with { RobustImages = 0 } : null }).Validate();
            if (state.Epoch < 1 || state.Batch < 0 || state.TrainImages < 1)
            {
                throw new FormatException($"position epoch {state.Epoch}, batch {state.Batch} of {state.TrainImages} images is impossible");
            }

            return (loaded, state);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException or ArgumentException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{path}: the '{MetadataKey}' training state is unreadable ({e.Message}).", e);
        }
    }

    /// <summary>True when two runs' settings are the same, the robust-accuracy measure aside (it is code, not a setting).</summary>
    internal static bool SameSettings(TrainingOptions a, TrainingOptions b) => Settings(a).ToJsonString() == Settings(b).ToJsonString();

    private static JsonObject Settings(TrainingOptions o) => new()
    {
        ["epochs"] = o.Epochs,
        ["batch_size"] = o.BatchSize,
        ["optimizer"] = o.Optimizer.ToString().ToLowerInvariant(),
        ["learning_rate"] = o.LearningRate,
        ["learning_rate_decay"] = o.LearningRateDecay,
        ["learning_rate_schedule"] = o.LearningRateSchedule.ToString().ToLowerInvariant(),
        ["weight_decay"] = o.WeightDecay,
        ["seed"] = o.Seed,
        ["threads"] = o.Threads,
        ["max_loss"] = o.MaxLoss,
        ["adversarial"] = o.Adversarial is { } a
            ? new JsonObject
            {
                ["eps"] = a.Epsilon, ["step_size"] = a.StepSize, ["robust_images"] = a.RobustImages, ["robust_steps"] = a.RobustSteps, ["collapse_ratio"] = a.CollapseRatio,
            }
            : null,
    };

    private static TrainingOptions ReadSettings(JsonObject s) => new()
    {
        Epochs = s["epochs"]!.GetValue<int>(),
        BatchSize = s["batch_size"]!.GetValue<int>(),
        Optimizer = Enum.Parse<OptimizerKind>(s["optimizer"]!.GetValue<string>(), ignoreCase: true),
        LearningRate = s["learning_rate"]!.GetValue<float>(),
        LearningRateDecay = s["learning_rate_decay"]!.GetValue<float>(),
        LearningRateSchedule = Enum.Parse<LearningRateSchedule>(s["learning_rate_schedule"]!.GetValue<string>(), ignoreCase: true),
        WeightDecay = s["weight_decay"]!.GetValue<float>(),
        Seed = s["seed"]!.GetValue<int>(),
        Threads = s["threads"]!.GetValue<int>(),
        MaxLoss = s["max_loss"]!.GetValue<double>(),
        Adversarial = s["adversarial"] is JsonObject a
            ? new AdversarialTrainingOptions
            {
                Epsilon = a["eps"]!.GetValue<float>(), StepSize = a["step_size"]?.GetValue<float>(), RobustImages = a["robust_images"]!.GetValue<int>(),
                RobustSteps = a["robust_steps"]!.GetValue<int>(), CollapseRatio = a["collapse_ratio"]!.GetValue<double>(),
            }
            : null,
    };

    /// <summary>A double for the JSON, NaN and infinities as null (JSON has no such numbers).</summary>
    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private static double Double(JsonNode? node, double missing = double.NaN) => node is null ? missing : node.GetValue<double>();
}
