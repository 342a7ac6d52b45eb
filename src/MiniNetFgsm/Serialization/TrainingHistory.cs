using System.Globalization;
using System.Text.Json;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Serialization;

/// <summary>
/// How a model was trained, carried in its safetensors <c>__metadata__</c>: the settings and one entry per epoch.
/// </summary>
/// <remarks>
/// safetensors metadata maps strings to strings (PyTorch's loader rejects anything else), so each part is stored as one
/// JSON document inside a string value:
/// <code>
/// "training_settings": "{\"epochs\":\"3\",\"optimizer\":\"adam\",...}"
/// "training_history":  "[{\"epoch\":1,\"train_loss\":0.21,\"test_accuracy\":0.981,\"seconds\":9.1,\"robust_accuracy\":null},...]"
/// </code>
/// NaN (no robust accuracy measured) is written as null, since JSON has no NaN. A file without these keys has no history.
/// </remarks>
/// <param name="Settings">The training settings, by name (epochs, batch, optimizer, lr, schedule, seed, threads, ...).</param>
/// <param name="Epochs">One result per epoch, in order.</param>
public sealed record TrainingHistory(IReadOnlyDictionary<string, string> Settings, IReadOnlyList<EpochResult> Epochs)
{
    /// <summary>The metadata key holding the settings (a JSON object of strings).</summary>
    public const string SettingsKey = "training_settings";

    /// <summary>The metadata key holding the per-epoch history (a JSON array).</summary>
    public const string HistoryKey = "training_history";

    /// <summary>The history of a run with <paramref name="options"/> on <paramref name="architecture"/> that gave <paramref name="epochs"/>.</summary>
    public static TrainingHistory Of(string architecture, TrainingOptions options, IReadOnlyList<EpochResult> epochs)
    {
        var settings = new Dictionary<string, string>
        {
            ["architecture"] = architecture,
            ["epochs"] = Text(options.Epochs),
            ["batch"] = Text(options.BatchSize),
            ["optimizer"] = $"{options.Optimizer}".ToLowerInvariant(),
            ["lr"] = Text(options.LearningRate),
            ["lr_schedule"] = $"{options.LearningRateSchedule}".ToLowerInvariant(),
            ["lr_decay"] = Text(options.LearningRateDecay),
            ["weight_decay"] = Text(options.WeightDecay),
            ["seed"] = Text(options.Seed),
            ["threads"] = Text(options.Threads),
        };
        if (options.Adversarial is { } adversarial)
        {
            settings["adversarial"] = "fgsm";
            settings["adversarial_eps"] = Text(adversarial.Epsilon);
            settings["adversarial_step"] = Text(adversarial.EffectiveStepSize);
        }

        return new TrainingHistory(settings, epochs);
    }

    /// <summary>The two metadata entries, each a JSON string.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata()
    {
        var history = Epochs.Select(e => new Dictionary<string, object?>
        {
            ["epoch"] = e.Epoch,
            ["train_loss"] = Finite(e.TrainLoss),
            ["test_accuracy"] = Finite(e.TestAccuracy),
            ["seconds"] = Finite(e.Seconds),
            ["robust_accuracy"] = Finite(e.RobustAccuracy),
        });
        return new Dictionary<string, string>
        {
            [SettingsKey] = JsonSerializer.Serialize(Settings),
            [HistoryKey] = JsonSerializer.Serialize(history),
        };
    }

    /// <summary>Reads the history from a file's metadata; null when it has none.</summary>
    /// <exception cref="InvalidDataException">The entries are present but not the JSON described above.</exception>
    public static TrainingHistory? FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(HistoryKey, out string? historyJson))
        {
            return null;
        }

        try
        {
            var settings = metadata.TryGetValue(SettingsKey, out string? settingsJson)
                ? JsonSerializer.Deserialize<Dictionary<string, string>>(settingsJson) ?? []
                : [];
            using JsonDocument history = JsonDocument.Parse(historyJson);
            var epochs = new List<EpochResult>();
            foreach (JsonElement e in history.RootElement.EnumerateArray())
            {
                epochs.Add(new EpochResult(e.GetProperty("epoch").GetInt32(), Number(e, "train_loss"), Number(e, "test_accuracy"), Number(e, "seconds"))
                {
                    RobustAccuracy = Number(e, "robust_accuracy"),
                });
            }

            return new TrainingHistory(settings, epochs);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"__metadata__ '{HistoryKey}' or '{SettingsKey}' is not the JSON mininet writes: {ex.Message}", ex);
        }
    }

    private static double Number(JsonElement e, string name)
        => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
