using System.Text;

namespace MiniNetFgsm;

/// <summary>
/// A file written to a hidden temporary name beside its destination and renamed into place by <see cref="Commit"/>, so a
/// reader never sees half a file and a failed write leaves what was there before. Disposing without committing deletes
/// the temporary file.
/// </summary>
/// <remarks>
/// <para>The temporary file is <c>.{name}.{32 hex digits}.tmp</c> in the destination's folder: the same file system, so
/// the rename is atomic, and a leading dot, so <c>ls</c> and file managers do not show it. A process killed while writing
/// (SIGKILL, power loss) cannot delete it, so the next <see cref="AtomicFile"/> for the same destination does: it deletes
/// every <c>.{name}.*.tmp</c> whose writer is gone. A writer holds its temporary file open with a shared lock (on Linux
/// and macOS a <c>flock</c>, which .NET takes for every <see cref="FileStream"/>; on Windows the sharing mode) until the
/// rename, and the lock dies with its process; the cleanup deletes a file only when it can take the lock exclusively,
/// so two processes writing the same destination at once do not delete each other's work (on a local file system: .NET
/// takes no shared lock for writing on NFS or SMB, where a writer could lose a race with another's cleanup and fail).
/// A kill therefore leaves the old file intact, nothing visible, and one hidden file until the next write.
/// tests/MiniNetFgsm.Tests/Fuzzing/AtomicFileKillTests.cs kills a writer with SIGKILL mid-write and checks all of this.</para>
/// </remarks>
internal sealed class AtomicFile : IDisposable
{
    private const string TemporarySuffix = ".tmp";

    private readonly string destination;
    private readonly string temporary;
    private bool committed;

    /// <summary>
    /// Deletes the temporary files that killed writers left for <paramref name="path"/>, then creates the temporary file
    /// <c>.{name}.{random}.tmp</c> in the destination's folder.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names no file.</exception>
    /// <exception cref="IOException">The file could not be created (for example <see cref="DirectoryNotFoundException"/>).</exception>
    public AtomicFile(string path, int bufferSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        destination = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(destination) ?? throw new ArgumentException($"'{path}' is not a file path.", nameof(path));
        string name = Path.GetFileName(destination);
        if (name.Length == 0)
        {
            throw new ArgumentException($"'{path}' is not a file path.", nameof(path));
        }

        DeleteAbandoned(directory, name);
        temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}{TemporarySuffix}");

        // FileShare.Delete: Commit renames the file while it is still open (allowed on Windows only with this share mode;
        // on Unix any share mode but None takes a shared lock, which tells DeleteAbandoned that this writer is alive).
        Stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.Delete, bufferSize);
    }

    /// <summary>Where the content goes before <see cref="Commit"/>.</summary>
    public FileStream Stream { get; }

    /// <summary>The temporary file's full path (hidden, beside the destination).</summary>
    public string TemporaryPath => temporary;

    /// <summary>Flushes to disk, renames the temporary file over the destination, and closes it.</summary>
    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        File.Move(temporary, destination, overwrite: true);  // still open and locked, so no cleanup can take it first
        committed = true;
        Stream.Dispose();
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

    /// <summary>
    /// Deletes each <c>.{name}.{32 hex digits}.tmp</c> in <paramref name="directory"/> that no live writer holds: one it
    /// can open with an exclusive lock. Best effort: anything it cannot enumerate, open or delete is left alone.
    /// </summary>
    private static void DeleteAbandoned(string directory, string name)
    {
        string prefix = $".{name}.";
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, prefix + "*" + TemporarySuffix).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;  // the folder is missing or unreadable: creating the temporary file will say so
        }

        foreach (string candidate in candidates)
        {
            string random = Path.GetFileName(candidate)[prefix.Length..^TemporarySuffix.Length];
            if (random.Length != 32 || random.AsSpan().ContainsAnyExcept("0123456789abcdef"))
            {
                continue;  // not one of ours (the pattern also matches e.g. ".model.safetensors.backup.tmp")
            }

            try
            {
                // Exclusive: fails while the writer lives. DeleteOnClose removes it as the handle closes.
                using var abandoned = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A live writer holds it, or it vanished: leave it.
            }
        }
    }
}
