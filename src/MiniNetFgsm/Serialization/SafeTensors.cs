using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MiniNetFgsm.Serialization;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face's, which PyTorch reads and writes), restricted to float32:
/// <code>
/// [8 bytes]  N, the header length, little-endian u64
/// [N bytes]  UTF-8 JSON header: {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
/// [rest]     the data section: raw little-endian float32 values; offsets are relative to its first byte
/// </code>
/// Reading validates the whole header before any data is read (see the exceptions on <see cref="Read"/>);
/// writing is atomic: a temporary file in the target directory is renamed over the target only once it is complete.
/// </summary>
public static class SafeTensors
{
    /// <summary>The largest header length accepted when reading (100 MiB); anything longer is treated as corruption.</summary>
    public const long MaxHeaderLength = 100L * 1024 * 1024;

    private const int LengthPrefixBytes = sizeof(ulong);
    private const int Alignment = 8;  // the data section starts at a multiple of this many bytes

    /// <summary>Reads every tensor and the metadata of the safetensors file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file or its directory does not exist, or the path is a directory.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid float32 safetensors file (whatever its bytes, no other exception is thrown for them, see
    /// <see cref="FileError"/>); the message is <c>{path}: {first problem}</c>. Checked, in order:
    /// the file holds the 8-byte header length; that length is not 0, not over <see cref="MaxHeaderLength"/> and within the file;
    /// the header is UTF-8 JSON and an object without duplicate keys; <c>__metadata__</c>, if present, maps strings to strings;
    /// each tensor entry has dtype (a string, "F32"), shape (non-negative integers whose product fits an array) and
    /// data_offsets ([begin, end], non-negative integers, begin ≤ end, end within the data section, end − begin = product(shape)·4);
    /// and no two tensors overlap.
    /// </exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < LengthPrefixBytes)
        {
            throw FileError.Invalid(path, $"file is {fileLength} bytes long; a safetensors file starts with an 8-byte header length.");
        }

        Span<byte> prefix = stackalloc byte[LengthPrefixBytes];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        long available = fileLength - LengthPrefixBytes;
        if (headerLength == 0)
        {
            throw FileError.Invalid(path, "header length is 0; expected a JSON header.");
        }

        if (headerLength > MaxHeaderLength)
        {
            throw FileError.Invalid(path, $"header length {headerLength} is absurd (more than {MaxHeaderLength} bytes).");
        }

        if ((long)headerLength > available)
        {
            throw FileError.Invalid(path, $"header length {headerLength} goes beyond the end of the file ({available} bytes follow the 8-byte length).");
        }

        var headerBytes = new byte[(int)headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = LengthPrefixBytes + (long)headerLength;
        SafeTensorsHeader header = SafeTensorsHeader.Parse(headerBytes, fileLength - dataStart, path);

        var tensors = new List<(string Name, Tensor Tensor)>(header.Entries.Count);
        foreach (SafeTensorsEntry entry in header.Entries)
        {
            var tensor = new Tensor(entry.Shape);
            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(MemoryMarshal.AsBytes(tensor.Span));  // the file's bytes verbatim, then fixed up to host order
            LittleEndianFloats.FromLittleEndian(tensor.Span);
            tensors.Add((entry.Name, tensor));
        }

        return new SafeTensorsFile(path, header.Metadata, tensors);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> as float32, in the order given and back to back, with optional
    /// <paramref name="metadata"/> as <c>__metadata__</c>. The JSON header is padded with spaces so the data section starts
    /// at a multiple of 8 bytes. The file is written to a temporary file in the same directory and then moved over
    /// <paramref name="path"/>, so <paramref name="path"/> is never left half-written; on failure the temporary file is
    /// deleted and any existing file at <paramref name="path"/> is untouched.
    /// </summary>
    /// <exception cref="ArgumentException">A name is null, empty, <c>__metadata__</c> or repeated; a tensor or a metadata value is null.</exception>
    /// <exception cref="IOException">The file could not be written (for example <see cref="DirectoryNotFoundException"/>).</exception>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        byte[] header = BuildHeader(tensors, metadata);

        using var file = new AtomicFile(path);
        Span<byte> prefix = stackalloc byte[LengthPrefixBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        file.Stream.Write(prefix);
        file.Stream.Write(header);
        for (int i = 0; i < tensors.Count; i++)
        {
            LittleEndianFloats.Write(file.Stream, tensors[i].Tensor.Span);
        }

        file.Commit();
    }

    /// <summary>The JSON header (metadata first, then the tensors in order, contiguous offsets), space-padded to a multiple of 8 bytes.</summary>
    private static byte[] BuildHeader(IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach ((string key, string value) in metadata)
                {
                    if (value is null)
                    {
                        throw new ArgumentException($"Metadata value for '{key}' is null.", nameof(metadata));
                    }

                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            for (int i = 0; i < tensors.Count; i++)
            {
                (string name, Tensor tensor) = tensors[i];
                if (string.IsNullOrEmpty(name) || name == SafeTensorsHeader.MetadataKey || !names.Add(name))
                {
                    throw new ArgumentException($"Tensor {i} has an invalid name '{name}': names must be non-empty, unique and not {SafeTensorsHeader.MetadataKey}.", nameof(tensors));
                }

                if (tensor is null)
                {
                    throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
                }

                long end = offset + (long)tensor.Length * sizeof(float);
                writer.WriteStartObject(name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }

            writer.WriteEndObject();
        }

        // Pad so that 8 + N is a multiple of 8; the length prefix is itself 8 bytes, so N is rounded up to a multiple of 8.
        int padded = (json.WrittenCount + Alignment - 1) / Alignment * Alignment;
        var header = new byte[padded];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path))
        {
            throw FileError.IsDirectory(path);  // rather than the operating system's "Access to the path is denied"
        }

        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw FileError.NotFound(path, e);
        }
    }
}
