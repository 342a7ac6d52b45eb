namespace MiniNetFgsm.Imaging;

/// <summary>
/// CRC-32 as PNG (and zlib, gzip, zip) define it: the reflected polynomial 0xEDB88320, initial value 0xFFFFFFFF,
/// final XOR 0xFFFFFFFF. Table-driven, one byte per step: <c>crc = Table[(crc ^ b) &amp; 0xFF] ^ (crc &gt;&gt; 8)</c>.
/// </summary>
/// <remarks>
/// The check value, the CRC of the ASCII bytes <c>"123456789"</c>, is 0xCBF43926. In a PNG file each chunk's CRC
/// covers its 4-byte type and its data, not its length.
/// </remarks>
internal static class Crc32
{
    /// <summary>The reversed (LSB-first) form of the CRC-32 polynomial x^32 + x^26 + x^23 + ... + x + 1.</summary>
    public const uint Polynomial = 0xEDB88320;

    /// <summary>Table[n] is the CRC register after shifting the byte n through it: 8 steps of shift and conditional XOR.</summary>
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Continues a CRC: <c>Append(Compute(a), b) == Compute(a + b)</c>. Lets a PNG writer checksum a chunk's type
    /// and data without copying them into one buffer. <c>Append(0, data)</c> is <see cref="Compute"/>.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;  // undo the final XOR of the previous part (for crc = 0 this is the initial 0xFFFFFFFF)
        foreach (byte b in data)
        {
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
