using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace MiniNetFgsm.Tests.Imaging;

/// <summary>
/// Reads 8-bit PNG images back to gray pixels, so tests can check what <see cref="MiniNetFgsm.Imaging.GrayscalePng"/>
/// writes; the fixtures made by PIL under Fixtures/png (every filter type, several IDAT chunks, gray, gray+alpha, RGB and
/// RGBA) check this decoder in turn. It checks every chunk's CRC-32 and skips the chunks it does not need; anything else
/// it does not support (other bit depths, palettes, interlacing) is an <see cref="InvalidDataException"/>.
/// </summary>
/// <remarks>
/// <para>A PNG file is an 8-byte signature, then chunks: length (u32 big-endian) | type (4 letters) | data | CRC-32 of type
/// and data. IHDR gives width, height, bit depth, color type and interlace; the IDAT chunks' data concatenated is one zlib
/// stream; IEND ends the file.</para>
/// <para>Inflated, the image is <c>height</c> rows, each a filter-type byte and then <c>width · channels</c> bytes stored as
/// differences from a prediction, mod 256. With <c>a</c> the byte one pixel to the left, <c>b</c> the byte above and
/// <c>c</c> the byte above <c>a</c> (0 outside the image): 0 None x = stored; 1 Sub + a; 2 Up + b; 3 Average
/// + floor((a + b) / 2); 4 Paeth + whichever of a, b, c is closest to a + b − c (ties: a, then b).</para>
/// <para>Color becomes gray with the BT.601 luma <c>(299·R + 587·G + 114·B + 500) / 1000</c> (R = G = B = v gives v);
/// alpha is dropped.</para>
/// </remarks>
internal static class PngDecoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads and decodes the PNG file at <paramref name="path"/>.</summary>
    public static (byte[] Pixels, int Width, int Height) Read(string path) => Decode(File.ReadAllBytes(path));

    /// <summary>Decodes a PNG to 8-bit gray pixels, row-major (H, W), and its size.</summary>
    public static (byte[] Pixels, int Width, int Height) Decode(ReadOnlySpan<byte> png)
    {
        if (!png.StartsWith(Signature))
        {
            throw new InvalidDataException("not a PNG: bad signature");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int offset = Signature.Length; ;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png[offset..]);
            ReadOnlySpan<byte> typeAndData = png.Slice(offset + 4, 4 + length);
            string type = Encoding.ASCII.GetString(typeAndData[..4]);
            ReadOnlySpan<byte> data = typeAndData[4..];
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png[(offset + 8 + length)..]);
            uint computed = Crc32.HashToUInt32(typeAndData);     // the CRC covers type and data, not the length
            if (stored != computed)
            {
                throw new InvalidDataException($"chunk '{type}' at offset {offset}: stored CRC 0x{stored:X8} does not match the computed 0x{computed:X8}");
            }

            offset += 12 + length;
            switch (type)
            {
                case "IHDR":
                    (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data[4..]));
                    if (data[8] != 8 || data[12] != 0)
                    {
                        throw new InvalidDataException($"bit depth {data[8]}, interlace {data[12]}: only 8-bit non-interlaced images are decoded");
                    }

                    channels = data[9] switch
                    {
                        0 => 1,  // gray
                        2 => 3,  // RGB
                        4 => 2,  // gray, alpha
                        6 => 4,  // RGB, alpha
                        _ => throw new InvalidDataException($"color type {data[9]} is not decoded"),
                    };
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    return (ToGray(Unfilter(Inflate(idat), width, height, channels), width, height, channels), width, height);
            }
        }
    }

    private static byte[] Inflate(MemoryStream idat)
    {
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var rows = new MemoryStream();
        zlib.CopyTo(rows);
        return rows.ToArray();
    }

    /// <summary>Undoes each row's filter in place: (H, 1 + W·C) stored bytes to reconstructed ones, the filter bytes kept.</summary>
    private static byte[] Unfilter(byte[] rows, int width, int height, int bpp)
    {
        int stride = width * bpp;
        if (rows.Length != height * (1 + stride))
        {
            throw new InvalidDataException($"decompressed image data has {rows.Length} bytes, expected {height * (1 + stride)}");
        }

        for (int y = 0; y < height; y++)
        {
            Span<byte> row = rows.AsSpan(y * (1 + stride) + 1, stride);
            ReadOnlySpan<byte> above = y == 0 ? new byte[stride] : rows.AsSpan((y - 1) * (1 + stride) + 1, stride);
            byte filter = rows[y * (1 + stride)];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? row[i - bpp] : 0, b = above[i], c = i >= bpp ? above[i - bpp] : 0;
                int prediction = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"row {y} has unknown filter type {filter}"),
                };
                row[i] = (byte)(row[i] + prediction);   // mod 256
            }
        }

        return rows;
    }

    /// <summary>Of a (left), b (above), c (above left), the one closest to p = a + b − c, ties going to a, then b.</summary>
    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] ToGray(byte[] rows, int width, int height, int channels)
    {
        var gray = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                ReadOnlySpan<byte> pixel = rows.AsSpan(y * (1 + width * channels) + 1 + x * channels, channels);
                gray[y * width + x] = channels <= 2 ? pixel[0] : (byte)((299 * pixel[0] + 587 * pixel[1] + 114 * pixel[2] + 500) / 1000);
            }
        }

        return gray;
    }
}
