namespace MiniNetFgsm.Data;

/// <summary>
/// A parsed <c>SHA256SUMS</c> file in the format <c>sha256sum</c> writes: one <c>HASH  NAME</c> line per
/// file (64 hex digits, a space, then a space or <c>*</c>, then the name). Blank lines are skipped;
/// a leading <c>./</c> on a name is dropped. Names must be plain file names (no directories).
/// </summary>
internal sealed class Sha256Sums
{
    private Sha256Sums(string path, IReadOnlyDictionary<string, string> entries)
    {
        Path = path;
        Entries = entries;
    }

    /// <summary>The file that was parsed.</summary>
    public string Path { get; }

    /// <summary>File name to lower-case hex SHA-256, in ordinal name order.</summary>
    public IReadOnlyDictionary<string, string> Entries { get; }

    /// <summary>Reads and parses <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">A line is malformed or a name is listed twice with different hashes.</exception>
    public static Sha256Sums Load(string path)
    {
        string name = System.IO.Path.GetFileName(path);
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string[] lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (line.Length < 67 || !IsHex(line.AsSpan(0, 64)) || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
            {
                throw new InvalidDataException($"{name}: line {i + 1} is not in sha256sum format (64 hex digits, two spaces, file name): \"{line}\"");
            }

            string hash = line[..64].ToLowerInvariant();
            string file = line[66..];
            if (file.StartsWith("./", StringComparison.Ordinal))
            {
                file = file[2..];
            }

            if (file.Length == 0 || file.Contains('/') || file.Contains('\\') || file is "." or "..")
            {
                throw new InvalidDataException($"{name}: line {i + 1} names \"{file}\", which is not a plain file name in this directory");
            }

            if (entries.TryGetValue(file, out string? previous) && previous != hash)
            {
                throw new InvalidDataException($"{name}: {file} is listed twice with different hashes");
            }

            entries[file] = hash;
        }

        return new Sha256Sums(path, entries);
    }

    private static bool IsHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept("0123456789abcdefABCDEF");
}
