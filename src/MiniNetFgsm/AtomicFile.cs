using System.Text;

namespace MiniNetFgsm;

/// <summary>
/// A file written to a temporary name beside its destination and renamed into place by <see cref="Commit"/>, so a reader
/// never sees half a file and a failed write leaves what was there before. Disposing without committing deletes the
/// temporary file.
/// </summary>
internal sealed class AtomicFile : IDisposable
{
    private readonly string destination;
    private readonly string temporary;
    private bool committed;

    /// <summary>Creates the temporary file <c>.{name}.{random}.tmp</c> in the destination's folder.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names no file.</exception>
    /// <exception cref="IOException">The file could not be created (for example <see cref="DirectoryNotFoundException"/>).</exception>
    public AtomicFile(string path, int bufferSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        destination = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(destination) ?? throw new ArgumentException($"'{path}' is not a file path.", nameof(path));
        temporary = Path.Combine(directory, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        Stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
    }

    /// <summary>Where the content goes before <see cref="Commit"/>.</summary>
    public FileStream Stream { get; }

    /// <summary>Flushes to disk, closes, and renames the temporary file over the destination.</summary>
    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(temporary, destination, overwrite: true);
        committed = true;
    }

    /// <summary>Deletes the temporary file unless <see cref="Commit"/> succeeded.</summary>
    public void Dispose()
    {
        if (committed)
        {
            return;
        }

        Stream.Dispose();
        try
        {
            File.Delete(temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original exception is the one worth reporting.
        }
    }

    /// <summary>Writes a UTF-8 text file (no byte-order mark) atomically.</summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        using var file = new AtomicFile(path);
        using (var writer = new StreamWriter(file.Stream, new UTF8Encoding(false), bufferSize: 4096, leaveOpen: true))
        {
            write(writer);
        }

        file.Commit();
    }
}
