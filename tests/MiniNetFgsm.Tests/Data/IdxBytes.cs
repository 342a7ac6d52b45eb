using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace MiniNetFgsm.Tests.Data;

/// <summary>
/// Builds IDX file contents byte by byte, independently of <c>IdxWriter</c>, so tests can write both
/// well-formed files and every kind of corrupt one.
/// </summary>
internal static class IdxBytes
{
    /// <summary>A big-endian header: the magic number, then each dimension.</summary>
    public static byte[] Header(uint magic, params uint[] dims)
    {
        var bytes = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }

        return bytes;
    }

    /// <summary>A well-formed image file whose pixel i (over the whole payload) is <c>(i * 7 + 3) % 256</c>.</summary>
    public static byte[] Images(int count, int rows, int cols) =>
        [.. Header(0x00000803, (uint)count, (uint)rows, (uint)cols), .. Pixels(count * rows * cols)];

    /// <summary>A well-formed label file.</summary>
    public static byte[] Labels(params byte[] labels) => [.. Header(0x00000801, (uint)labels.Length), .. labels];

    /// <summary>The deterministic pixel pattern used by <see cref="Images"/>.</summary>
    public static byte[] Pixels(int length)
    {
        var pixels = new byte[length];
        for (int i = 0; i < length; i++)
        {
            pixels[i] = (byte)((i * 7 + 3) % 256);
        }

        return pixels;
    }

    /// <summary>Labels 0, 1, ..., 9, 0, 1, ...</summary>
    public static byte[] CyclingLabels(int count)
    {
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 10);
        }

        return labels;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return output.ToArray();
    }

    public static string Sha256(byte[] raw) => Convert.ToHexStringLower(SHA256.HashData(raw));
}
