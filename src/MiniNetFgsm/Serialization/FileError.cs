namespace MiniNetFgsm.Serialization;

/// <summary>
/// Builds the exceptions for bad or missing files, always as <c>{path}: {problem}</c> so the file is named first.
/// </summary>
/// <remarks>
/// The readers (<see cref="SafeTensors.Read"/>, <see cref="ModelFile.Load(string)"/>, and the IDX readers in
/// <see cref="Data.IdxReader"/>) report every problem with a file's bytes as an <see cref="InvalidDataException"/> whose message starts with the file:
/// whatever the file holds, reading it either succeeds or throws that one type with a message, never another
/// exception and never a hang, and allocates at most a few times the file's size (tests/…/Fuzzing checks all three
/// on mutated files). A path that names no file, because nothing is there or because it is a directory, is a
/// <see cref="FileNotFoundException"/> instead.
/// </remarks>
internal static class FileError
{
    /// <summary>The file exists but its content is wrong.</summary>
    public static InvalidDataException Invalid(string path, string problem) => new($"{path}: {problem}");

    /// <summary>The file (or its directory) does not exist.</summary>
    public static FileNotFoundException NotFound(string path, Exception? inner = null) => new($"{path}: file not found.", path, inner);

    /// <summary>The path names a directory where a file is expected.</summary>
    public static FileNotFoundException IsDirectory(string path) => new($"{path}: is a directory, not a file.", path);
}
