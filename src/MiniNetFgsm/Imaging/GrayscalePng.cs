using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace MiniNetFgsm.Imaging;

/// <summary>
/// Writes 8-bit grayscale PNG images (MNIST digits and their FGSM adversarial twins): <see cref="ZLibStream"/> compresses
/// the rows and System.IO.Hashing's <see cref="Crc32"/> checksums the chunks. Nothing in the library reads PNGs; the tests
/// decode what this writes with their own decoder and check it against files made by PIL.
/// </summary>
/// <remarks>
/// <para>A PNG file (W3C PNG specification, 3rd edition) is an 8-byte signature followed by chunks:</para>
/// <code>
/// signature   89 50 4E 47 0D 0A 1A 0A                     ("\x89PNG\r\n\x1A\n": catches 7-bit and newline-mangling transfers)
/// chunk       length (u32 big-endian, data bytes only) | type (4 ASCII letters) | data | CRC-32 of type and data (u32 BE)
/// IHDR (13)   width u32 | height u32 | bit depth | color type | compression 0 | filter method 0 | interlace 0
/// IDAT        the rows, each a filter-type byte (0: None) and then the width's pixel bytes, as one zlib stream
/// IEND (0)    the last chunk
/// </code>
/// </remarks>
public static class GrayscalePng
{
    /// <summary>The largest width or height accepted.</summary>
    public const int MaxSide = 16384;

    /// <summary>The 8 bytes every PNG file starts with.</summary>
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private const int HeaderLength = 13;        // IHDR data bytes
    private const byte BitDepth8 = 8;
    private const byte ColorTypeGray = 0;

    /// <summary>
    /// Encodes <paramref name="width"/>×<paramref name="height"/> gray pixels as a PNG: color type 0, bit depth 8,
    /// no interlace, filter type 0 (None) on every row, and the whole image in one IDAT chunk.
    /// </summary>
    /// <param name="pixels">The pixels, row-major (H, W): <c>pixels[y · width + x]</c>, 0 black to 255 white.</param>
    /// <param name="width">Image width, 1..<see cref="MaxSide"/>.</param>
    /// <param name="height">Image height, 1..<see cref="MaxSide"/>.</param>
    /// <returns>The complete PNG file.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A side is outside 1..<see cref="MaxSide"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> does not hold <c>width · height</c> bytes.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaxSide);
        if (pixels.Length != width * height)
        {
            throw new ArgumentException($"Expected {width * height} pixel bytes ({width} x {height}), got {pixels.Length}.", nameof(pixels));
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = BitDepth8;
        header[9] = ColorTypeGray;
        header[10] = 0;  // compression method 0: zlib deflate
        header[11] = 0;  // filter method 0: the five filter types above
        header[12] = 0;  // interlace method 0: none

        using var png = new MemoryStream();
        png.Write(Signature);
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, Deflate(pixels, width, height));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>
    /// Encodes the image with <see cref="Encode"/> and writes it to <paramref name="path"/> atomically: to a temporary
    /// file in the same folder, then moved over <paramref name="path"/>, so <paramref name="path"/> is never
    /// half-written. On failure the temporary file is deleted and an existing file at <paramref name="path"/> is untouched.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is outside 1..<see cref="MaxSide"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or <paramref name="pixels"/> does not hold <c>width · height</c> bytes.</exception>
    /// <exception cref="IOException">The file could not be written (for example <see cref="DirectoryNotFoundException"/>).</exception>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = Encode(pixels, width, height);

        using var file = new AtomicFile(path);
        file.Stream.Write(png);
        file.Commit();
    }

    /// <summary>Zlib-compresses the rows, each prefixed by filter type 0 (None): <c>height · (1 + width)</c> bytes inflated.</summary>
    private static byte[] Deflate(ReadOnlySpan<byte> pixels, int width, int height)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0);
                zlib.Write(pixels.Slice(y * width, width));
            }
        }

        return compressed.ToArray();
    }

    /// <summary>Appends one chunk: length, type, data, CRC-32 of type and data.</summary>
    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        png.Write(word);
    }
}
