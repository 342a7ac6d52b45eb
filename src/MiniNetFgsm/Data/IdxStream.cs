using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace MiniNetFgsm.Data;

/// <summary>
/// One IDX file opened for reading: raw or gzip (detected by the magic bytes 1F 8B, not by the extension),
/// with an optional SHA-256 over the uncompressed bytes computed as they stream past.
/// </summary>
/// <remarks>
/// An IDX file is a big-endian header followed by the payload:
/// <code>
/// magic    = 0x00 0x00 type ndim   (type 0x08 = unsigned byte)
/// dims     = ndim x uint32         (outermost first)
/// payload  = product(dims) bytes   (row-major, nothing after it)
/// </code>
/// Every error is an <see cref="InvalidDataException"/> whose message starts with the file name.
/// </remarks>
internal sealed class IdxStream : IDisposable
{
    /// <summary>The IDX data type code for unsigned bytes, the only one MNIST uses.</summary>
    public const byte UnsignedByteType = 0x08;

    // Payload bytes read per call, so each chunk is hashed while it is still in cache.
    private const int ChunkSize = 1 << 18;

    // How many bytes after the payload are counted for the error message before giving up.
    private const int TrailingBytesCounted = 1 << 16;

    // A gzip payload array starts at this many bytes, or at GzipExpansionGuess times the compressed file's length if
    // that is larger (deflate shrinks MNIST about 5x, so real files are read in one allocation), and doubles from there.
    private const int GzipInitialCapacity = 1 << 16;
    private const int GzipExpansionGuess = 8;

    private readonly FileStream _file;
    private readonly Stream _stream;
    private readonly IncrementalHash? _hash;
    private readonly string? _expectedSha256;
    private readonly string? _checksumSource;
    private long _position;
    private long _headerLength;

    private IdxStream(string path, FileStream file, bool isGzip, string? expectedSha256, string? checksumSource)
    {
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        IsGzip = isGzip;
        _file = file;
        _stream = isGzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        if (expectedSha256 is not null)
        {
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            _expectedSha256 = expectedSha256.ToLowerInvariant();
            _checksumSource = checksumSource;
        }
    }

    /// <summary>The path as given.</summary>
    public string Path { get; }

    /// <summary>The file name, which starts every error message.</summary>
    public string Name { get; }

    /// <summary>True when the file is gzip-compressed.</summary>
    public bool IsGzip { get; }

    /// <summary>
    /// Opens <paramref name="path"/>. When <paramref name="expectedSha256"/> is given (64 hex digits),
    /// <see cref="Finish"/> compares it with the SHA-256 of every uncompressed byte read.
    /// </summary>
    /// <param name="path">The file to open.</param>
    /// <param name="expectedSha256">The expected SHA-256 of the uncompressed content, or null to skip the check.</param>
    /// <param name="checksumSource">Where the expected hash came from, for the mismatch message (e.g. a SHA256SUMS path).</param>
    /// <exception cref="FileNotFoundException">The file does not exist, or is a directory.</exception>
    public static IdxStream Open(string path, string? expectedSha256 = null, string? checksumSource = null)
    {
        FileStream file = OpenFile(path, out bool isGzip);
        return new IdxStream(path, file, isGzip, expectedSha256, checksumSource);
    }

    /// <summary>
    /// Computes the SHA-256 (lower-case hex) of a file's uncompressed content, decompressing it if it
    /// starts with the gzip magic bytes.
    /// </summary>
    /// <exception cref="InvalidDataException">The gzip data is corrupt (the message names the file).</exception>
    public static string HashUncompressed(string path)
    {
        using FileStream file = OpenFile(path, out bool isGzip);
        using Stream content = isGzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        try
        {
            return Convert.ToHexStringLower(SHA256.HashData(content));
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{System.IO.Path.GetFileName(path)}: gzip data is corrupt (the decompressor says: {ex.Message})", ex);
        }
    }

    // Opens the file positioned at 0 and tells whether it starts with the gzip magic bytes 1F 8B.
    private static FileStream OpenFile(string path, out bool isGzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw Directory.Exists(path)
                ? new FileNotFoundException($"{System.IO.Path.GetFullPath(path)}: is a directory, not an IDX file", path)
                : new FileNotFoundException($"File not found: {System.IO.Path.GetFullPath(path)}", path);
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        try
        {
            Span<byte> start = stackalloc byte[2];
            int n = file.ReadAtLeast(start, 2, throwOnEndOfStream: false);
            file.Position = 0;
            isGzip = n == 2 && start[0] == 0x1F && start[1] == 0x8B;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads and validates the header: magic 0x00 0x00, data type 0x08 (unsigned byte), then
    /// <paramref name="expectedRank"/> big-endian dimensions, which are returned as read (unchecked).
    /// </summary>
    /// <param name="expectedRank">The number of dimensions: 1 for labels, 3 for images.</param>
    /// <param name="kind">"image" or "label", for messages.</param>
    public uint[] ReadHeader(int expectedRank, string kind)
    {
        uint expectedMagic = (uint)(UnsignedByteType << 8 | expectedRank);
        Span<byte> magicBytes = stackalloc byte[4];
        ReadHeaderBytes(magicBytes, "magic number");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(magicBytes);

        if (magicBytes[0] != 0 || magicBytes[1] != 0)
        {
            throw Error($"bad magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} for an IDX {kind} file" +
                (IsGzip ? "" : " (the file is not gzip-compressed either)"));
        }

        if (magicBytes[2] != UnsignedByteType)
        {
            throw Error($"data type 0x{magicBytes[2]:X2} in magic number 0x{magic:X8} is not supported, expected 0x{UnsignedByteType:X2} (unsigned byte)");
        }

        int rank = magicBytes[3];
        if (rank != expectedRank)
        {
            throw Error($"magic number 0x{magic:X8} declares {rank} dimension(s), expected 0x{expectedMagic:X8} ({expectedRank} dimension(s)) for an IDX {kind} file");
        }

        Span<byte> dimBytes = stackalloc byte[4 * expectedRank];
        ReadHeaderBytes(dimBytes, $"{expectedRank} dimension(s)");
        var dims = new uint[expectedRank];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * i, 4));
        }

        _headerLength = _position;
        return dims;
    }

    /// <summary>
    /// Reads exactly <paramref name="length"/> payload bytes into a new array; fewer is a truncation error.
    /// </summary>
    /// <remarks>
    /// The header's size is a claim, not a promise, and nothing is allocated on its word alone. A raw file must hold
    /// <paramref name="length"/> more bytes before the array is allocated. A gzip file cannot be measured without
    /// decompressing it, so its array starts at the larger of 64 KiB and 8 times the compressed file's length
    /// (one allocation for real data, which deflate shrinks about 5x) and doubles only as decompressed bytes
    /// actually arrive: a small file claiming 2 GB allocates at most a few times what it really holds.
    /// </remarks>
    /// <param name="length">The payload length the header declares.</param>
    /// <param name="description">What the payload is, e.g. "10000 images x 28 x 28", for messages.</param>
    public byte[] ReadPayload(int length, string description)
    {
        if (!IsGzip)
        {
            long available = _file.Length - _position;
            if (available < length)
            {
                throw Truncated(length, available, description);
            }
        }

        long guess = Math.Max(GzipInitialCapacity, GzipExpansionGuess * _file.Length);
        byte[] payload = GC.AllocateUninitializedArray<byte>(IsGzip ? (int)Math.Min(length, guess) : length);
        int done = 0;
        while (done < length)
        {
            if (done == payload.Length)
            {
                byte[] larger = GC.AllocateUninitializedArray<byte>((int)Math.Min(length, 2L * payload.Length));
                payload.AsSpan(0, done).CopyTo(larger);
                payload = larger;
            }

            // Uninitialized is safe: every byte up to `done` was written by the file, and the array is returned only full.
            int n = Read(payload.AsSpan(done, Math.Min(ChunkSize, payload.Length - done)));
            if (n == 0)
            {
                throw Truncated(length, done, description);
            }

            done += n;
        }

        return payload;
    }

    /// <summary>
    /// Checks that the file ends right after the payload (trailing bytes are an error) and, when an
    /// expected SHA-256 was given, that the hash of the uncompressed content matches it.
    /// </summary>
    /// <param name="payloadLength">The payload length, for messages.</param>
    /// <param name="description">What the payload is, for messages.</param>
    public void Finish(long payloadLength, string description)
    {
        byte[] scratch = new byte[4096];
        long trailing = 0;
        int n;
        while (trailing <= TrailingBytesCounted && (n = Read(scratch)) > 0)
        {
            trailing += n;
        }

        if (trailing > 0)
        {
            string amount = trailing > TrailingBytesCounted ? $"more than {TrailingBytesCounted} trailing bytes" : $"{trailing} trailing byte(s)";
            throw Error($"{amount} after the {payloadLength}-byte payload ({description}); the file is longer than its header says");
        }

        if (_hash is not null)
        {
            string actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (actual != _expectedSha256)
            {
                string from = _checksumSource is null ? "" : $" (from {_checksumSource})";
                throw Error($"SHA-256 mismatch: expected {_expectedSha256}{from}, actual {actual} (hash of the uncompressed content)");
            }
        }
    }

    /// <summary>An <see cref="InvalidDataException"/> whose message is "<c>name: message</c>".</summary>
    public InvalidDataException Error(string message, Exception? inner = null) => new($"{Name}: {message}", inner);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!ReferenceEquals(_stream, _file))
        {
            _stream.Dispose();
        }

        _file.Dispose();
        _hash?.Dispose();
    }

    private InvalidDataException Truncated(long expected, long found, string description) =>
        Error($"payload is truncated: expected {expected} bytes ({description}) after the {_headerLength}-byte header, found only {found}");

    private void ReadHeaderBytes(Span<byte> destination, string what)
    {
        long before = _position;
        int n = 0;
        while (n < destination.Length)
        {
            int r = Read(destination[n..]);
            if (r == 0)
            {
                throw Error($"header is truncated: the file ends after {before + n} byte(s), while reading the {what}");
            }

            n += r;
        }
    }

    // Every read goes through here: it advances the position, feeds the hash, and turns a corrupt
    // gzip stream into an error that names the file.
    private int Read(Span<byte> destination)
    {
        int n;
        try
        {
            n = _stream.Read(destination);
        }
        catch (InvalidDataException ex)
        {
            throw Error($"gzip data is corrupt (after {_position} uncompressed bytes were read; the decompressor says: {ex.Message})", ex);
        }

        _hash?.AppendData(destination[..n]);
        _position += n;
        return n;
    }
}
