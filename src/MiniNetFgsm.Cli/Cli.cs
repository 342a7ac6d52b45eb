using System.CommandLine;
using System.Globalization;
using MiniNetFgsm.Data;

namespace MiniNetFgsm.Cli;

/// <summary>Options shared by several commands, and the one place that turns exceptions into exit codes.</summary>
internal static class Cli
{
    /// <summary>Exit code for a user mistake (bad input, missing or corrupt file).</summary>
    public const int UserErrorExit = 2;

    /// <summary>Exit code for an unexpected internal failure.</summary>
    public const int InternalErrorExit = 70;

    public static Option<string?> DataOption() => new("--data")
    {
        Description = "Folder holding the four MNIST-format IDX files (raw or .gz). Default: the repository's data/mnist.",
    };

    public static Option<int> ThreadsOption() => new("--threads")
    {
        Description = "Worker threads (default: all cores). The same seed and thread count give bit-identical results.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static Option<string> WeightsOption(bool required) => new("--weights")
    {
        Description = "Model file (.safetensors) written by `mininet train` or by PyTorch.",
        Required = required,
    };

    public static Option<string> EpsOption() => new("--eps")
    {
        Description = "Comma-separated eps values in [0, 1], in pixel units.",
        DefaultValueFactory = _ => "0,0.05,0.1,0.15,0.2,0.25,0.3",
    };

    /// <summary>Runs a command body; user mistakes become one line on stderr and exit code 2, never a stack trace.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is UserError or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                                      or ArgumentException or UnauthorizedAccessException or IOException)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"error: {ex.Message}");
            return UserErrorExit;
        }
        catch (Exception ex)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"internal error: {ex}");
            return InternalErrorExit;
        }
    }

    public static int CheckThreads(int threads) => threads >= 1 && threads <= 1024
        ? threads
        : throw new UserError($"--threads must be between 1 and 1024 (got {threads}).");

    /// <summary>Loads the data set from <paramref name="directory"/> or the repository's data/mnist; the training set only when first read.</summary>
    public static MnistDataset LoadData(string? directory)
    {
        directory ??= MnistDataset.FindDefaultDirectory()
            ?? throw new UserError($"Could not find {MnistDataset.DefaultRelativeDirectory} from the current folder; pass --data DIR.");
        if (!Directory.Exists(directory))
        {
            throw new UserError($"Data folder '{directory}' does not exist.");
        }

        return MnistDataset.Open(directory);
    }

    /// <summary>Parses "0,0.05,0.1" into eps values, each in [0, 1].</summary>
    public static float[] ParseEpsilons(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new UserError("--eps needs at least one value, e.g. --eps 0,0.1,0.3.");
        }

        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
            {
                throw new UserError($"--eps value '{parts[i]}' is not a number.");
            }

            if (values[i] < 0f || values[i] > 1f)
            {
                throw new UserError($"--eps value {parts[i]} is outside [0, 1] (pixels are in [0, 1]).");
            }
        }

        return values;
    }

    public static string Percent(double fraction) => (100 * fraction).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    public static string F(double value, string format = "0.0000") => value.ToString(format, CultureInfo.InvariantCulture);
}
