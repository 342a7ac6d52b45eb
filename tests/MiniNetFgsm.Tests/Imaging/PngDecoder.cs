using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace MiniNetFgsm.Tests.Imaging;

/// <summary>
/// Reads 8-bit PNG images back to gray pixels, so tests can check what <see cref="MiniNetFgsm.Imaging.GrayscalePng"/> writes;
/// the fixtures made by PIL under Fixtures/png check this decoder in turn.
/// </summary>
/// <remarks>
/// <para>A PNG file (W3C PNG specification, 3rd edition) is an 8-byte signature followed by chunks:</para>
/// <code>
/// signature   89 50 4E 47 0D 0A 1A 0A                     ("\x89PNG\r\n\x1A\n": catches 7-bit and newline-mangling transfers)
/// chunk       length (u32 big-endian, data bytes only) | type (4 ASCII letters) | data | CRC-32 of type and data (u32 BE)
/// IHDR (13)   width u32 | height u32 | bit depth | color type | compression 0 | filter method 0 | interlace 0 or 1
/// IDAT ...    one or more consecutive chunks; their data concatenated is one zlib stream
/// IEND (0)    the last chunk
/// </code>
/// <para>Inflating the zlib stream gives <c>height</c> rows, each one filter-type byte and then
/// <c>width · channels</c> bytes (color type 0 gray: 1 channel, 4 gray+alpha: 2, 2 RGB: 3, 6 RGBA: 4). A filter
/// predicts each byte from its neighbours and stores only the difference, mod 256, which deflate compresses better.
/// With <c>x</c> the byte being decoded, <c>a</c> the byte one pixel to its left, <c>b</c> the byte above, <c>c</c>
/// the byte above <c>a</c> (each 0 outside the image):</para>
/// <code>
/// 0 None      x = stored
/// 1 Sub       x = stored + a
/// 2 Up        x = stored + b
/// 3 Average   x = stored + floor((a + b) / 2)
/// 4 Paeth     x = stored + whichever of a, b, c is closest to p = a + b − c (ties: a, then b)
/// </code>
/// <para>What the decoder accepts: bit depth 8; color types 0 (gray), 4 (gray+alpha: the gray channel is kept),
/// 2 (RGB) and 6 (RGBA), the colors turned to gray with the ITU-R BT.601 luma
/// <c>Y = (299·R + 587·G + 114·B + 500) / 1000</c> (integer division, so it rounds to nearest and R = G = B = v gives
/// exactly v). Alpha is dropped, not composited on a background. Palette images (color type 3), other bit depths and
/// Adam7 interlacing are rejected. Ancillary chunks (a lowercase first letter, such as tEXt or gAMA) are checked
/// for their CRC and otherwise ignored, as is PLTE (in an RGB image it is only a suggested palette); any other
/// critical chunk is an error. Decoding stops at IEND; bytes after it are ignored.</para>
/// <para>Every problem with the bytes is an <see cref="InvalidDataException"/> saying what is wrong and, for chunks,
/// where (the byte offset of the chunk's length field), e.g.
/// <c>chunk 'IHDR' at offset 8: stored CRC 0x12345678 does not match the computed 0x3A7E9B10</c>.</para>
/// </remarks>
internal static class PngDecoder
{
    /// <summary>The largest width or height accepted.</summary>
    public const int MaxSide = 16384;

    /// <summary>The 8 bytes every PNG file starts with.</summary>
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private const int HeaderLength = 13;        // IHDR data bytes
    private const int ChunkOverhead = 12;       // length (4) + type (4) + CRC (4) around the data
    private const byte BitDepth8 = 8;

    /// <summary>Decodes a PNG (see the remarks on <see cref="PngDecoder"/> for what is accepted) to 8-bit gray pixels.</summary>
    /// <param name="png">The complete PNG file.</param>
    /// <returns>The pixels, row-major (H, W), and the image's width and height.</returns>
    /// <exception cref="InvalidDataException">
    /// The bytes are not a PNG this decoder accepts. Checked: the signature; every chunk up to IEND is complete, has a
    /// letter type and a matching CRC; the first chunk is IHDR (13 bytes, sides 1..<see cref="MaxSide"/>, bit depth 8,
    /// color type 0, 2, 4 or 6, compression 0, filter method 0, interlace 0) and is the only one; IDAT chunks are
    /// consecutive and present; no unknown critical chunk; IEND is present; the IDAT data is a zlib stream that inflates
    /// to exactly <c>height · (1 + width · channels)</c> bytes; every row's filter type is 0..4.
    /// </exception>
    public static (byte[] Pixels, int Width, int Height) Decode(ReadOnlySpan<byte> png)
    {
        CheckSignature(png);

        Header? header = null;
        using var idat = new MemoryStream();
        bool sawIdat = false;
        bool inIdatRun = false;     // the previous chunk was an IDAT
        bool idatRunEnded = false;  // IDAT chunks were seen and another chunk has come after them
        int offset = Signature.Length;
        while (true)
        {
            if (offset == png.Length)
            {
                throw new InvalidDataException(header is null
                    ? "missing IHDR: no chunks follow the PNG signature"
                    : $"missing IEND: the data ends at offset {offset} without an IEND chunk");
            }

            int chunkOffset = offset;
            string type = ReadChunk(png, ref offset, out ReadOnlySpan<byte> data);
            if (header is null && type != "IHDR")
            {
                throw new InvalidDataException($"missing IHDR: the first chunk is '{type}', but a PNG must start with IHDR");
            }

            bool isIdat = type == "IDAT";
            idatRunEnded |= inIdatRun && !isIdat;
            inIdatRun = isIdat;
            switch (type)
            {
                case "IHDR" when header is not null:
                    throw new InvalidDataException($"second IHDR chunk at offset {chunkOffset}; a PNG has exactly one");
                case "IHDR":
                    header = ParseHeader(data);
                    break;
                case "IDAT" when idatRunEnded:
                    throw new InvalidDataException($"IDAT chunk at offset {chunkOffset} is separated from the earlier IDAT chunks by another chunk; IDAT chunks must be consecutive");
                case "IDAT":
                    idat.Write(data);
                    sawIdat = true;
                    break;
                case "IEND" when !sawIdat:
                    throw new InvalidDataException($"missing IDAT: IEND at offset {chunkOffset} comes before any image data");
                case "IEND":
                    return Reconstruct(header!.Value, idat);
                case "PLTE":
                    break;  // a palette: needed only by color type 3, which ParseHeader rejects; a suggestion otherwise
                default:
                    if (IsCritical(type))
                    {
                        throw new InvalidDataException($"unknown critical chunk '{type}' at offset {chunkOffset}");
                    }

                    break;  // ancillary (tEXt, gAMA, pHYs, ...): nothing a gray image needs
            }
        }
    }

    /// <summary>Reads and decodes the PNG file at <paramref name="path"/> (see <see cref="Decode"/>).</summary>
    public static (byte[] Pixels, int Width, int Height) Read(string path) => Decode(File.ReadAllBytes(path));

    /// <summary>What IHDR says about the image: its size and how many bytes each pixel has.</summary>
    private readonly record struct Header(int Width, int Height, int Channels)
    {
        /// <summary>Bytes in one row after its filter byte.</summary>
        public int Stride => Width * Channels;
    }

    private static void CheckSignature(ReadOnlySpan<byte> png)
    {
        if (png.Length < Signature.Length)
        {
            throw new InvalidDataException($"not a PNG: {png.Length} bytes, shorter than the {Signature.Length}-byte PNG signature");
        }

        if (!png[..Signature.Length].SequenceEqual(Signature))
        {
            throw new InvalidDataException($"not a PNG: bad signature {Convert.ToHexString(png[..Signature.Length])}, expected {Convert.ToHexString(Signature)}");
        }
    }

    /// <summary>
    /// Reads the chunk at <paramref name="offset"/>, checks that it is complete, that its type is four letters and that
    /// its CRC matches, and moves <paramref name="offset"/> past it.
    /// </summary>
    /// <returns>The chunk type; <paramref name="data"/> is its data.</returns>
    private static string ReadChunk(ReadOnlySpan<byte> png, ref int offset, out ReadOnlySpan<byte> data)
    {
        int start = offset;
        ReadOnlySpan<byte> rest = png[start..];
        if (rest.Length < 8)
        {
            throw new InvalidDataException($"truncated chunk at offset {start}: {rest.Length} bytes left, fewer than the 8 of a chunk's length and type");
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(rest);
        ReadOnlySpan<byte> typeBytes = rest.Slice(4, 4);
        foreach (byte b in typeBytes)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                throw new InvalidDataException($"chunk at offset {start} has type bytes {Convert.ToHexString(typeBytes)}, not four ASCII letters");
            }
        }

        string type = Encoding.ASCII.GetString(typeBytes);
        if (length > int.MaxValue)
        {
            throw new InvalidDataException($"chunk '{type}' at offset {start} declares {length} data bytes, more than PNG's limit of 2^31 - 1");
        }

        if (ChunkOverhead + (long)length > rest.Length)
        {
            throw new InvalidDataException(
                $"truncated chunk '{type}' at offset {start}: declares {length} data bytes, but only {rest.Length - 8} bytes follow its type (data and the 4-byte CRC)");
        }

        data = rest.Slice(8, (int)length);
        uint stored = BinaryPrimitives.ReadUInt32BigEndian(rest[(8 + (int)length)..]);
        uint computed = Crc32.HashToUInt32(rest.Slice(4, 4 + (int)length));  // the CRC covers type and data, not the length
        if (stored != computed)
        {
            throw new InvalidDataException($"chunk '{type}' at offset {start}: stored CRC 0x{stored:X8} does not match the computed 0x{computed:X8}");
        }

        offset = start + ChunkOverhead + (int)length;
        return type;
    }

    /// <summary>A chunk is critical when its first letter is uppercase (bit 5 of the first byte is 0): a decoder must understand it.</summary>
    private static bool IsCritical(string type) => char.IsAsciiLetterUpper(type[0]);

    /// <summary>Validates IHDR (see the remarks on <see cref="PngDecoder"/>) and returns the image's shape.</summary>
    private static Header ParseHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length != HeaderLength)
        {
            throw new InvalidDataException($"IHDR chunk has {data.Length} data bytes, expected {HeaderLength}");
        }

        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        (byte bitDepth, byte colorType, byte compression, byte filter, byte interlace) = (data[8], data[9], data[10], data[11], data[12]);
        if (width is 0 or > MaxSide)
        {
            throw new InvalidDataException($"image width {width} is outside 1..{MaxSide}");
        }

        if (height is 0 or > MaxSide)
        {
            throw new InvalidDataException($"image height {height} is outside 1..{MaxSide}");
        }

        if (bitDepth != BitDepth8)
        {
            throw new InvalidDataException($"bit depth {bitDepth} is not supported; only 8 bits per channel is");
        }

        int channels = colorType switch
        {
            0 => 1,  // gray
            2 => 3,  // RGB
            4 => 2,  // gray, alpha
            6 => 4,  // RGB, alpha
            3 => throw new InvalidDataException("color type 3 (palette) is not supported; only 0 (gray), 2 (RGB), 4 (gray+alpha) and 6 (RGBA) are"),
            _ => throw new InvalidDataException($"color type {colorType} is not a PNG color type; PNG defines 0, 2, 3, 4 and 6"),
        };

        if (compression != 0)
        {
            throw new InvalidDataException($"compression method {compression} is unknown; PNG defines only 0 (zlib deflate)");
        }

        if (filter != 0)
        {
            throw new InvalidDataException($"filter method {filter} is unknown; PNG defines only 0 (the five filter types None..Paeth)");
        }

        if (interlace != 0)
        {
            throw new InvalidDataException($"interlace method {interlace} is not supported; only 0 (no interlace) is");
        }

        return new Header((int)width, (int)height, channels);
    }

    /// <summary>Inflates the IDAT data, undoes each row's filter and converts the pixels to gray.</summary>
    private static (byte[] Pixels, int Width, int Height) Reconstruct(Header header, MemoryStream idat)
    {
        int rowLength = 1 + header.Stride;          // filter byte, then the row
        int expected = header.Height * rowLength;   // at most 16384 · (1 + 16384 · 4) bytes, about 1 GiB: fits an int
        byte[] rows = Inflate(idat, expected);

        // (H, 1 + W·C) → undo the filters in place, row by row: each row only needs itself (to its left) and the row above,
        // both already reconstructed.
        for (int y = 0; y < header.Height; y++)
        {
            Span<byte> row = rows.AsSpan(y * rowLength + 1, header.Stride);
            ReadOnlySpan<byte> above = y == 0 ? default : rows.AsSpan((y - 1) * rowLength + 1, header.Stride);
            Unfilter(rows[y * rowLength], row, above, header.Channels, y);
        }

        return (ToGray(rows, header), header.Width, header.Height);
    }

    /// <summary>Inflates the concatenated IDAT data, which must give exactly <paramref name="expected"/> bytes.</summary>
    private static byte[] Inflate(MemoryStream idat, int expected)
    {
        // Uninitialized: inflating overwrites every byte we keep, and a tiny file claiming a huge image costs only
        // untouched virtual memory before the short data is found. Reading at most expected + 1 bytes bounds the work
        // a "zip bomb" can cause. ZLibStream checks the stream's Adler-32 when it reaches the end (a wrong one throws),
        // but a stream cut off right before its 4-byte Adler-32 is accepted if the data is complete.
        byte[] rows = GC.AllocateUninitializedArray<byte>(expected);
        int read;
        bool longer;
        try
        {
            idat.Position = 0;
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            read = zlib.ReadAtLeast(rows, expected, throwOnEndOfStream: false);
            longer = read == expected && zlib.ReadByte() >= 0;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"IDAT data is not a valid zlib stream: {e.Message}", e);
        }

        if (read < expected || longer)
        {
            string actual = longer ? "more than that" : $"{read}";
            throw new InvalidDataException($"decompressed image data has the wrong length: expected {expected} bytes (rows of 1 filter byte + width x channels), got {actual}");
        }

        return rows;
    }

    /// <summary>
    /// Undoes one row's filter in place. <paramref name="row"/> holds the stored bytes and gets the reconstructed ones;
    /// <paramref name="above"/> is the reconstructed row above (empty for the first row: all zeros);
    /// <paramref name="bpp"/> is the bytes per pixel, the distance to <c>a</c> (the same channel of the pixel to the left).
    /// </summary>
    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> above, int bpp, int y)
    {
        // Arithmetic is mod 256: the (byte) casts drop the carry.
        switch (filter)
        {
            case 0:  // None
                break;
            case 1:  // Sub: x += a
                for (int i = bpp; i < row.Length; i++)
                {
                    row[i] = (byte)(row[i] + row[i - bpp]);
                }

                break;
            case 2:  // Up: x += b
                for (int i = 0; i < above.Length; i++)
                {
                    row[i] = (byte)(row[i] + above[i]);
                }

                break;
            case 3:  // Average: x += floor((a + b) / 2), the sum taken without overflow (up to 510)
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0;
                    int b = above.IsEmpty ? 0 : above[i];
                    row[i] = (byte)(row[i] + ((a + b) >> 1));
                }

                break;
            case 4:  // Paeth: x += the neighbour closest to a + b − c
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0;
                    int b = above.IsEmpty ? 0 : above[i];
                    int c = i >= bpp && !above.IsEmpty ? above[i - bpp] : 0;
                    row[i] = (byte)(row[i] + PaethPredictor(a, b, c));
                }

                break;
            default:
                throw new InvalidDataException($"row {y} has unknown filter type {filter}; PNG defines 0 (None), 1 (Sub), 2 (Up), 3 (Average) and 4 (Paeth)");
        }
    }

    /// <summary>Of a (left), b (above), c (above left), the one closest to p = a + b − c, ties going to a, then b (the spec's order).</summary>
    private static int PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a);  // = |b − c|
        int pb = Math.Abs(p - b);  // = |a − c|
        int pc = Math.Abs(p - c);  // = |a + b − 2c|
        // A tie pa = pb can only happen when a = b (otherwise a + b = 2c, so pc = 0 < pa), so only the a-versus-c and
        // b-versus-c tie-breaks change the result; the gray_filters test fixture exercises both.
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        return pb <= pc ? b : c;
    }

    /// <summary>
    /// The unfiltered rows (H, 1 + W·C) to gray pixels (H, W): gray is copied, gray+alpha keeps the gray, RGB and RGBA
    /// take the BT.601 luma of R, G, B. Alpha is dropped.
    /// </summary>
    private static byte[] ToGray(byte[] rows, Header header)
    {
        int rowLength = 1 + header.Stride;
        var gray = new byte[header.Width * header.Height];
        for (int y = 0; y < header.Height; y++)
        {
            ReadOnlySpan<byte> row = rows.AsSpan(y * rowLength + 1, header.Stride);
            Span<byte> output = gray.AsSpan(y * header.Width, header.Width);
            if (header.Channels == 1)
            {
                row.CopyTo(output);
                continue;
            }

            for (int x = 0; x < header.Width; x++)
            {
                ReadOnlySpan<byte> pixel = row.Slice(x * header.Channels, header.Channels);
                output[x] = header.Channels <= 2 ? pixel[0] : Luma(pixel[0], pixel[1], pixel[2]);
            }
        }

        return gray;
    }

    /// <summary>ITU-R BT.601 luma rounded to nearest: <c>(299·R + 587·G + 114·B + 500) / 1000</c>; gray (R = G = B) is unchanged.</summary>
    private static byte Luma(byte r, byte g, byte b) => (byte)((299 * r + 587 * g + 114 * b + 500) / 1000);
}
