using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using MiniNetFgsm.Imaging;

namespace MiniNetFgsm.Tests.Imaging;

/// <summary>
/// Builds PNG files chunk by chunk, independently of <see cref="GrayscalePng.Encode"/>, so tests can write well-formed
/// files and every kind of corrupt one; and walks the chunks of an existing file.
/// </summary>
internal static class PngBytes
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A chunk: big-endian length, the type's ASCII bytes, the data, and the CRC-32 of type and data.</summary>
    public static byte[] Chunk(string type, params byte[] data)
    {
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typeBytes.CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>An IHDR chunk; the defaults describe an 8-bit gray, non-interlaced image.</summary>
    public static byte[] Ihdr(uint width, uint height, byte bitDepth = 8, byte colorType = 0, byte compression = 0, byte filter = 0, byte interlace = 0)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(data, width);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), height);
        (data[8], data[9], data[10], data[11], data[12]) = (bitDepth, colorType, compression, filter, interlace);
        return Chunk("IHDR", data);
    }

    /// <summary>
    /// Inflated image data: <paramref name="height"/> rows of a <paramref name="filter"/> byte and
    /// <c>width · channels</c> bytes of the pattern <see cref="Pixel"/>.
    /// </summary>
    public static byte[] Rows(int width, int height, int channels = 1, byte filter = 0)
    {
        int stride = width * channels;
        var rows = new byte[height * (1 + stride)];
        for (int y = 0; y < height; y++)
        {
            rows[y * (1 + stride)] = filter;
            for (int i = 0; i < stride; i++)
            {
                rows[y * (1 + stride) + 1 + i] = Pixel(y * stride + i);
            }
        }

        return rows;
    }

    /// <summary>The pixel pattern of <see cref="Rows"/> with filter None: byte i of the image is <c>(i · 37 + 11) mod 256</c>.</summary>
    public static byte Pixel(int i) => (byte)((i * 37 + 11) % 256);

    public static byte[] Zlib(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return compressed.ToArray();
    }

    /// <summary>One IDAT chunk holding <paramref name="inflated"/> zlib-compressed.</summary>
    public static byte[] Idat(byte[] inflated) => Chunk("IDAT", Zlib(inflated));

    public static byte[] Iend() => Chunk("IEND");

    /// <summary>The signature followed by <paramref name="chunks"/>.</summary>
    public static byte[] Png(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(c => c)];

    /// <summary>A valid 3×2 gray PNG.</summary>
    public static byte[] Valid() => Png(Ihdr(3, 2), Idat(Rows(3, 2)), Iend());

    /// <summary>The chunks of a well-formed file, in order: type and data (lengths and CRCs are not checked).</summary>
    public static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        var chunks = new List<(string, byte[])>();
        for (int offset = Signature.Length; offset < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            chunks.Add((Encoding.ASCII.GetString(png, offset + 4, 4), png.AsSpan(offset + 8, length).ToArray()));
            offset += 12 + length;
        }

        return chunks;
    }

    /// <summary>Concatenates the IDAT chunks and inflates them: the filtered rows.</summary>
    public static byte[] InflatedImageData(byte[] png)
    {
        byte[] idat = Chunks(png).Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        using var zlib = new ZLibStream(new MemoryStream(idat), CompressionMode.Decompress);
        using var inflated = new MemoryStream();
        zlib.CopyTo(inflated);
        return inflated.ToArray();
    }
}
