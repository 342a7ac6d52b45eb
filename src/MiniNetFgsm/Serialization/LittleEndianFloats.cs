using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MiniNetFgsm.Serialization;

/// <summary>
/// Moves float32 values between memory (host byte order) and little-endian storage. On a little-endian host the bytes
/// are copied verbatim; on a big-endian host each 4-byte value is byte-reversed. The overloads taking
/// <c>hostIsLittleEndian</c> exist so tests can run the big-endian path on a little-endian machine.
/// </summary>
internal static class LittleEndianFloats
{
    private const int ChunkLength = 16 * 1024;  // floats per write on a big-endian host (64 KiB)

    /// <summary>
    /// Converts <paramref name="values"/> in place from the little-endian bytes they were read as into host order.
    /// </summary>
    public static void FromLittleEndian(Span<float> values) => FromLittleEndian(values, BitConverter.IsLittleEndian);

    /// <inheritdoc cref="FromLittleEndian(Span{float})"/>
    public static void FromLittleEndian(Span<float> values, bool hostIsLittleEndian)
    {
        if (!hostIsLittleEndian)
        {
            Span<int> bits = MemoryMarshal.Cast<float, int>(values);
            BinaryPrimitives.ReverseEndianness(bits, bits);  // in place is allowed when source and destination are the same span
        }
    }

    /// <summary>Writes <paramref name="values"/> to <paramref name="stream"/> as little-endian float32.</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> values) => Write(stream, values, BitConverter.IsLittleEndian);

    /// <inheritdoc cref="Write(Stream, ReadOnlySpan{float})"/>
    public static void Write(Stream stream, ReadOnlySpan<float> values, bool hostIsLittleEndian)
    {
        if (hostIsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        ReadOnlySpan<int> bits = MemoryMarshal.Cast<float, int>(values);
        Span<int> chunk = new int[Math.Min(ChunkLength, bits.Length)];
        for (int start = 0; start < bits.Length; start += chunk.Length)
        {
            int count = Math.Min(chunk.Length, bits.Length - start);   // the last chunk may be short
            BinaryPrimitives.ReverseEndianness(bits.Slice(start, count), chunk[..count]);
            stream.Write(MemoryMarshal.AsBytes(chunk[..count]));
        }
    }
}
