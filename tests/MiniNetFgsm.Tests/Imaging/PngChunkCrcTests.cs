using static MiniNetFgsm.Tests.Imaging.PngBytes;

namespace MiniNetFgsm.Tests.Imaging;

/// <summary>
/// The tests' <see cref="PngDecoder"/> checks every chunk's CRC-32, so decoding what the library writes proves its CRCs
/// right; these cases show that a wrong one is caught. The base image is a valid 3×2 gray PNG:
/// <c>Png(Ihdr(3, 2), Idat(Rows(3, 2)), Iend())</c>, its IHDR chunk at offset 8 and the next chunk at 33.
/// </summary>
public sealed class PngChunkCrcTests
{
    [Theory]
    [InlineData(8 + 8 + 3, "chunk 'IHDR' at offset 8: stored CRC 0x")]     // one bit of the width
    [InlineData(-1, "chunk 'IEND' at offset")]                                // the last byte of IEND's CRC
    public void Decode_OneBitFlippedInAChunk_ThrowsNamingTheChunkAndItsCrc(int position, string expected)
    {
        byte[] png = Valid();
        png[position >= 0 ? position : png.Length + position] ^= 0x01;

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(png));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Decode_BadSignature_IsRejected()
    {
        byte[] png = Valid();
        png[6] = 0x0A;   // 1A → 0A, as a CR-LF → LF conversion might do

        Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(png));
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
}
