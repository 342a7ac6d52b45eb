using MiniNetFgsm.Imaging;
using static MiniNetFgsm.Tests.Imaging.PngBytes;

namespace MiniNetFgsm.Tests.Imaging;

/// <summary>
/// Every malformed or unsupported PNG gives an <see cref="InvalidDataException"/> naming the problem. Most cases change
/// one thing in a valid 3×2 gray image: <c>Png(Ihdr(3, 2), Idat(Rows(3, 2)), Iend())</c>.
/// </summary>
public sealed class GrayscalePngCorruptionTests
{
    [Theory]
    [InlineData("empty file", "not a PNG: 0 bytes, shorter than the 8-byte PNG signature")]
    [InlineData("half a signature", "not a PNG: 4 bytes, shorter than the 8-byte PNG signature")]
    [InlineData("bad signature", "not a PNG: bad signature 89504E470D0A0A0A, expected 89504E470D0A1A0A")]
    [InlineData("signature only", "missing IHDR: no chunks follow the PNG signature")]
    [InlineData("truncated chunk header", "truncated chunk at offset 8: 5 bytes left, fewer than the 8 of a chunk's length and type")]
    [InlineData("truncated chunk data", "truncated chunk 'IDAT' at offset 33: declares")]
    [InlineData("truncated chunk crc", "truncated chunk 'IEND' at offset")]
    [InlineData("bad IHDR crc", "chunk 'IHDR' at offset 8: stored CRC 0x")]
    [InlineData("bad IEND crc", "chunk 'IEND' at offset")]
    [InlineData("chunk type not letters", "chunk at offset 8 has type bytes 49483144, not four ASCII letters")]
    [InlineData("chunk length over 2^31 - 1", "chunk 'IDAT' at offset 33 declares 2147483648 data bytes, more than PNG's limit")]
    [InlineData("first chunk not IHDR", "missing IHDR: the first chunk is 'IDAT'")]
    [InlineData("second IHDR", "second IHDR chunk at offset 33")]
    [InlineData("IHDR too short", "IHDR chunk has 12 data bytes, expected 13")]
    [InlineData("width 0", "image width 0 is outside 1..16384")]
    [InlineData("width 16385", "image width 16385 is outside 1..16384")]
    [InlineData("width 2^32 - 1", "image width 4294967295 is outside 1..16384")]
    [InlineData("height 0", "image height 0 is outside 1..16384")]
    [InlineData("bit depth 16", "bit depth 16 is not supported")]
    [InlineData("bit depth 1", "bit depth 1 is not supported")]
    [InlineData("palette", "color type 3 (palette) is not supported")]
    [InlineData("color type 5", "color type 5 is not a PNG color type")]
    [InlineData("compression method 1", "compression method 1 is unknown")]
    [InlineData("filter method 1", "filter method 1 is unknown")]
    [InlineData("Adam7 interlace", "interlace method 1 is not supported")]
    [InlineData("no IDAT", "missing IDAT: IEND at offset 33 comes before any image data")]
    [InlineData("IDAT chunks not consecutive", "is separated from the earlier IDAT chunks by another chunk; IDAT chunks must be consecutive")]
    [InlineData("no IEND", "missing IEND: the data ends at offset")]
    [InlineData("unknown critical chunk", "unknown critical chunk 'ZZZZ' at offset 33")]
    [InlineData("IDAT not zlib", "IDAT data is not a valid zlib stream")]
    [InlineData("bad Adler-32", "IDAT data is not a valid zlib stream")]
    [InlineData("empty IDAT", "decompressed image data has the wrong length: expected 8 bytes")]
    [InlineData("zlib stream cut short", "decompressed image data has the wrong length: expected 8 bytes")]
    [InlineData("one row too few", "decompressed image data has the wrong length: expected 8 bytes (rows of 1 filter byte + width x channels), got 4")]
    [InlineData("one row too many", "decompressed image data has the wrong length: expected 8 bytes (rows of 1 filter byte + width x channels), got more than that")]
    [InlineData("RGB data for a gray header", "got more than that")]
    [InlineData("filter type 5", "row 0 has unknown filter type 5")]
    [InlineData("filter type 255 on the last row", "row 1 has unknown filter type 255")]
    public void Decode_CorruptOrUnsupported_ThrowsInvalidDataNamingTheProblem(string corruption, string expected)
    {
        byte[] png = Corrupt(corruption);

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(png));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Decode_UncorruptedBaseImage_Succeeds()
    {
        (byte[] pixels, int width, int height) = PngDecoder.Decode(Valid());

        Assert.Equal((3, 2), (width, height));
        Assert.Equal(Enumerable.Range(0, 6).Select(Pixel), pixels);
    }

    [Fact]
    public void Decode_AncillaryChunkAnywhereBeforeIend_IsSkipped()
    {
        byte[] png = Png(Ihdr(3, 2), Chunk("gAMA", 0, 0, 177, 143), Idat(Rows(3, 2)), Chunk("tEXt", "Title\0x"u8.ToArray()), Iend());

        (byte[] pixels, _, _) = PngDecoder.Decode(png);

        Assert.Equal(Enumerable.Range(0, 6).Select(Pixel), pixels);
    }

    [Fact]
    public void Decode_AncillaryChunkWithBadCrc_IsStillRejected()
    {
        byte[] png = Png(Ihdr(3, 2), Chunk("tEXt", 1, 2, 3), Idat(Rows(3, 2)), Iend());
        png[33 + 8 + 3 + 3] ^= 0xFF;  // the last CRC byte of the tEXt chunk at offset 33

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(png));

        Assert.Contains("chunk 'tEXt' at offset 33: stored CRC", error.Message);
    }

    /// <summary>The named corruption of the valid 3×2 gray image (its IHDR chunk is at offset 8, the next chunk at 33).</summary>
    private static byte[] Corrupt(string corruption)
    {
        byte[] rows = Rows(3, 2);
        byte[] zlib = Zlib(rows);
        switch (corruption)
        {
            case "empty file": return [];
            case "half a signature": return Signature[..4];
            case "bad signature": return Flip(Valid(), 6, 0x1A ^ 0x0A);  // 1A → 0A, as a CR-LF → LF conversion might do
            case "signature only": return Signature;
            case "truncated chunk header": return Valid()[..13];
            case "truncated chunk data": return Valid()[..(33 + 8 + 3)];
            case "truncated chunk crc": return Valid()[..^2];
            case "bad IHDR crc": return Flip(Valid(), 8 + 8 + 3, 0x01);  // one bit of the width
            case "bad IEND crc": return Flip(Valid(), ^1, 0x80);
            case "chunk type not letters": return Png(Chunk("IH1D", new byte[13]), Idat(rows), Iend());
            case "chunk length over 2^31 - 1": return [.. Signature, .. Ihdr(3, 2), 0x80, 0, 0, 0, .. "IDAT"u8];
            case "first chunk not IHDR": return Png(Idat(rows), Iend());
            case "second IHDR": return Png(Ihdr(3, 2), Ihdr(3, 2), Idat(rows), Iend());
            case "IHDR too short": return Png(Chunk("IHDR", Ihdr(3, 2)[8..20]), Idat(rows), Iend());
            case "width 0": return Png(Ihdr(0, 2), Idat(rows), Iend());
            case "width 16385": return Png(Ihdr(16385, 2), Idat(rows), Iend());
            case "width 2^32 - 1": return Png(Ihdr(uint.MaxValue, 2), Idat(rows), Iend());
            case "height 0": return Png(Ihdr(3, 0), Idat(rows), Iend());
            case "bit depth 16": return Png(Ihdr(3, 2, bitDepth: 16), Idat(rows), Iend());
            case "bit depth 1": return Png(Ihdr(3, 2, bitDepth: 1), Idat(rows), Iend());
            case "palette": return Png(Ihdr(3, 2, colorType: 3), Chunk("PLTE", 0, 0, 0), Idat(rows), Iend());
            case "color type 5": return Png(Ihdr(3, 2, colorType: 5), Idat(rows), Iend());
            case "compression method 1": return Png(Ihdr(3, 2, compression: 1), Idat(rows), Iend());
            case "filter method 1": return Png(Ihdr(3, 2, filter: 1), Idat(rows), Iend());
            case "Adam7 interlace": return Png(Ihdr(3, 2, interlace: 1), Idat(rows), Iend());
            case "no IDAT": return Png(Ihdr(3, 2), Iend());
            case "IDAT chunks not consecutive":
                return Png(Ihdr(3, 2), Chunk("IDAT", zlib[..4]), Chunk("tEXt", 1), Chunk("IDAT", zlib[4..]), Iend());
            case "no IEND": return Png(Ihdr(3, 2), Idat(rows));
            case "unknown critical chunk": return Png(Ihdr(3, 2), Chunk("ZZZZ"), Idat(rows), Iend());
            case "IDAT not zlib": return Png(Ihdr(3, 2), Chunk("IDAT", 1, 2, 3, 4, 5, 6), Iend());
            case "bad Adler-32": return Png(Ihdr(3, 2), Chunk("IDAT", Flip(zlib, ^1, 0x01)), Iend());
            case "empty IDAT": return Png(Ihdr(3, 2), Chunk("IDAT"), Iend());
            case "zlib stream cut short": return Png(Ihdr(3, 2), Chunk("IDAT", zlib[..(zlib.Length / 2)]), Iend());
            case "one row too few": return Png(Ihdr(3, 2), Idat(Rows(3, 1)), Iend());
            case "one row too many": return Png(Ihdr(3, 2), Idat(Rows(3, 3)), Iend());
            case "RGB data for a gray header": return Png(Ihdr(3, 2), Idat(Rows(3, 2, channels: 3)), Iend());
            case "filter type 5": return Png(Ihdr(3, 2), Idat(Rows(3, 2, filter: 5)), Iend());
            case "filter type 255 on the last row":
                rows[4] = 255;  // row 1's filter byte: rows are 1 + 3 bytes long
                return Png(Ihdr(3, 2), Idat(rows), Iend());
            default: throw new ArgumentException($"unknown corruption '{corruption}'", nameof(corruption));
        }
    }

    /// <summary>A copy of <paramref name="bytes"/> with byte <paramref name="index"/> XORed with <paramref name="mask"/>.</summary>
    private static byte[] Flip(byte[] bytes, Index index, byte mask)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[index] ^= mask;
        return copy;
    }
}
