using System.Buffers.Binary;
using System.Text;

namespace MiniNetFgsm.Tests.Serialization;

/// <summary>Writes safetensors files byte by byte, so tests can build every kind of corruption.</summary>
internal static class RawSafeTensors
{
    /// <summary>[u64 length of the header][header][dataLength bytes 0, 1, 2, ...], with the true header length unless one is given.</summary>
    public static void Write(string path, byte[] header, int dataLength, ulong? headerLength = null)
    {
        var bytes = new byte[8 + header.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (int i = 0; i < dataLength; i++)
        {
            bytes[8 + header.Length + i] = (byte)i;
        }

        File.WriteAllBytes(path, bytes);
    }

    /// <inheritdoc cref="Write(string, byte[], int, ulong?)"/>
    public static void Write(string path, string headerJson, int dataLength, ulong? headerLength = null)
        => Write(path, Encoding.UTF8.GetBytes(headerJson), dataLength, headerLength);

    /// <summary>The JSON header of a file (without the padding).</summary>
    public static string ReadHeader(string path, out long dataStart)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long length = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        dataStart = 8 + length;
        return Encoding.UTF8.GetString(bytes, 8, (int)length);
    }
}
