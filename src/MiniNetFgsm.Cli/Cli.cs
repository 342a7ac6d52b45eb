using System.CommandLine;
using System.CommandLine.Parsing;
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

    /// <summary>Exit code after Ctrl-C (SIGINT) stopped a run: 128 + 2, as shells report it.</summary>
    public const int InterruptedExit = 130;

    public static Option<string?> DataOption() => new("--data")
    {
        Description = "Folder holding the four MNIST-format IDX files (raw or .gz). Default: $MININET_DATA, else the repository's "
                    + "data/mnist (from the current folder upwards), else the data installed with mininet.",
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

    public static Option<string?> ArchitectureOption()
    {
        var option = new Option<string?>("--architecture")
        {
            Description = "The network of a --weights file saved without metadata (PyTorch's save_file(model.state_dict(), path)): "
                        + string.Join(" or ", Models.ModelZoo.Architectures) + ". Files written by mininet name it themselves.",
        };
        option.AcceptOnlyFromAmong([.. Models.ModelZoo.Architectures]);
        return option;
    }

    public static Option<string> EpsOption() => new("--eps")
    {
        Description = "Comma-separated eps values in [0, 1], in pixel units.",
        DefaultValueFactory = _ => "0,0.05,0.1,0.15,0.2,0.25,0.3",
    };

    public static Option<int?> ImagesOption() => new("--images")
    {
        Description = "Use only the first N test images (N >= 1; an N above the test set's size means all of it). Default: all.",
    };

    public static Option<bool> ReferenceOption(string what) => new("--reference")
    {
        Description = $"Student mode: {what} through the textbook layers of src/MiniNetFgsm/Reference (plain loops, one thread, "
                    + "much slower; pair with --images) instead of the fast ones.",
    };

    /// <summary>Checks an --images value before anything is loaded: null (all images) or at least 1.</summary>
    public static int? CheckImages(int? images) => images is null or >= 1
        ? images
        : throw new UserError($"--images must be at least 1 (got {images}).");

    /// <summary>The first <paramref name="images"/> images of <paramref name="test"/>, or all of them (null, or more than it holds).</summary>
    public static LabeledImages FirstImages(LabeledImages test, int? images)
        => images is { } count && count < test.Count ? test.Subset(0, count) : test;

    /// <summary>Runs a command body; user mistakes become one line on stderr and exit code 2, never a stack trace.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Interrupted ex)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"interrupted: {ex.Message}");
            return InterruptedExit;
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

    /// <summary>True when the user typed <paramref name="option"/> (rather than it taking its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>When <paramref name="inapplicable"/>, an option the user typed among <paramref name="options"/> is a mistake: "{option} applies {why}."</summary>
    public static void RejectGiven(ParseResult parse, bool inapplicable, string why, params Option[] options)
    {
        foreach (Option option in options)
        {
            if (inapplicable && Given(parse, option))
            {
                throw new UserError($"{option.Name} applies {why}.");
            }
        }
    }

    /// <summary>
    /// Checks, before any work starts, that results can be written into <paramref name="folder"/> (given as
    /// <paramref name="option"/>): it is not a file, exists or can be created, and a probe file can be created in it and
    /// deleted again. Returns <paramref name="folder"/>.
    /// </summary>
    public static string CheckOutputFolder(string folder, string option)
    {
        if (CannotWrite(folder) is { } reason)
        {
            throw new UserError($"{option} '{folder}' cannot be written: {reason}");
        }

        return folder;
    }

    /// <summary>
    /// Checks, before any work starts, that the file <paramref name="path"/> (given as <paramref name="option"/>) can be
    /// written: it does not name a folder (nor end with a slash), and its folder passes <see cref="CheckOutputFolder"/>.
    /// </summary>
    public static string CheckOutputFile(string path, string option)
    {
        if (path.Length == 0)
        {
            throw new UserError($"{option} needs a file name.");
        }

        if (Directory.Exists(path) || path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar))
        {
            throw new UserError($"{option} '{path}' is a folder; give a file name, e.g. {Path.Combine(path, "model.safetensors")}.");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (CannotWrite(folder) is { } reason)
        {
            throw new UserError($"{option} '{path}' cannot be written: its folder {folder}: {reason}");
        }

        return path;
    }

    /// <summary>Null when <paramref name="folder"/> is (or can be made) a folder in which a probe file can be created and deleted; else why not.</summary>
    private static string? CannotWrite(string folder)
    {
        if (File.Exists(folder))
        {
            return "it is a file, not a folder.";
        }

        // The folders this check creates are removed again (the command creates them for real when it writes), so a
        // mistake found later (a missing data folder) leaves nothing behind.
        string? created = null;
        try
        {
            string full = Path.GetFullPath(folder);
            for (string? f = full; f is not null && !Directory.Exists(f); f = Path.GetDirectoryName(f))
            {
                created = f;
            }

            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".mininet-probe-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return Reason(e);
        }
        finally
        {
            try
            {
                if (created is not null && Directory.Exists(created))
                {
                    Directory.Delete(created, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: an empty folder left behind is harmless.
            }
        }
    }

    /// <summary>The cause of a failed write in a few words (the runtime's message, without a trailing period).</summary>
    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied.",
        FileNotFoundException or DirectoryNotFoundException => $"no folder can be created there (the system says: {e.Message.TrimEnd('.')}).",
        _ => e.Message.TrimEnd('.') + ".",
    };

    public static int CheckThreads(int threads) => threads >= 1 && threads <= 1024
        ? threads
        : throw new UserError($"--threads must be between 1 and 1024 (got {threads}).");

    /// <summary>
    /// Loads the data set (the training set only when first read) from the first of: <paramref name="directory"/> (--data),
    /// the folder in <see cref="MnistDataset.DirectoryVariable"/>, the repository's data/mnist found from the current folder
    /// upwards, and the data/mnist installed beside mininet (the tool package ships it). The error names all four.
    /// </summary>
    public static MnistDataset LoadData(string? directory)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(MnistDataset.DirectoryVariable);
        string origin = directory is not null ? "--data" : MnistDataset.DirectoryVariable;
        directory ??= string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
        if (directory is null)
        {
            string beside = Path.Combine(AppContext.BaseDirectory, MnistDataset.DefaultRelativeDirectory);
            directory = MnistDataset.FindDefaultDirectory() ?? throw new UserError(
                $"No MNIST data found: no --data DIR, no {MnistDataset.DirectoryVariable} environment variable, no "
                + $"{MnistDataset.DefaultRelativeDirectory} in {Environment.CurrentDirectory} or a folder above it, and none beside mininet ({beside}).");
            origin = "";
        }

        if (!Directory.Exists(directory))
        {
            throw new UserError($"Data folder '{directory}'{(origin.Length > 0 ? $" (from {origin})" : "")} does not exist.");
        }

        return MnistDataset.Open(directory);
    }

    /// <summary>Parses "0,0.05,0.1" into eps values, each in [0, 1].</summary>
    public static float[] ParseEpsilons(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.All(p => p.Length == 0))
        {
            throw new UserError("--eps needs at least one value, e.g. --eps 0,0.1,0.3.");
        }

        if (Array.IndexOf(parts, "") is int empty and >= 0)
        {
            throw new UserError($"--eps '{text}' has an empty item (number {empty + 1}); separate values with single commas, e.g. --eps 0,0.1,0.3.");
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

    /// <summary>A fraction as a percentage with two decimals, e.g. <c>98.12%</c>.</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    /// <summary>A number in the invariant culture (a dot for the decimal point, whatever the machine's locale), four decimals unless told.</summary>
    public static string FormatNumber(double value, string format = "0.0000") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>How the command line spells an enum value: its name in lower case (<c>adam</c>, <c>cyclic</c>).</summary>
    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>The enum value the command line spelled <paramref name="name"/> (already one of the accepted spellings).</summary>
    public static T Parse<T>(string name) where T : struct, Enum => Enum.Parse<T>(name, ignoreCase: true);
}
