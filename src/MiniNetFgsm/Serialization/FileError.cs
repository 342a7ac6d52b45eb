namespace MiniNetFgsm.Serialization;

/// <summary>Builds the exceptions for bad or missing files, always as <c>{path}: {problem}</c> so the file is named first.</summary>
internal static class FileError
{
    /// <summary>The file exists but its content is wrong.</summary>
    public static InvalidDataException Invalid(string path, string problem) => new($"{path}: {problem}");

    /// <summary>The file (or its directory) does not exist.</summary>
    public static FileNotFoundException NotFound(string path, Exception? inner = null) => new($"{path}: file not found.", path, inner);
}
