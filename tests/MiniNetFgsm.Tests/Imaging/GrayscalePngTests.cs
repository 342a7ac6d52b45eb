using MiniNetFgsm.Imaging;

namespace MiniNetFgsm.Tests.Imaging;

/// <summary>
/// Encoding, decoding with the tests' <see cref="PngDecoder"/> (checked on files from an independent encoder,
/// Fixtures/png/make_png_fixtures.py) and atomic writing.
/// </summary>
public sealed class GrayscalePngTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(1, 1)]
    [InlineData(28, 28)]
    [InlineData(3, 7)]
    [InlineData(17, 5)]
    public void EncodeThenDecode_RandomPixels_GivesIdenticalPixelsAndSize(int width, int height)
    {
        var pixels = new byte[width * height];
        new Random(width * 1000 + height).NextBytes(pixels);

        (byte[] decoded, int decodedWidth, int decodedHeight) = PngDecoder.Decode(GrayscalePng.Encode(pixels, width, height));

        Assert.Equal((width, height), (decodedWidth, decodedHeight));
        Assert.Equal(pixels, decoded);
    }

    [Fact]
    public void Encode_AnyImage_WritesSignatureThenGrayEightBitIhdrOneIdatAndIend()
    {
        byte[] pixels = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        byte[] png = GrayscalePng.Encode(pixels, 16, 16);

        Assert.Equal(PngBytes.Signature, png[..8]);
        List<(string Type, byte[] Data)> chunks = PngBytes.Chunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        Assert.Equal(new byte[] { 0, 0, 0, 16, 0, 0, 0, 16, 8, 0, 0, 0, 0 }, chunks[0].Data);  // 16×16, depth 8, gray, deflate, filter 0, no interlace
        Assert.Empty(chunks[2].Data);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(-1, 1)]
    [InlineData(GrayscalePng.MaxSide + 1, 1)]
    public void Encode_SideOutsideOneToMaxSide_ThrowsArgumentOutOfRange(int width, int height)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GrayscalePng.Encode(new byte[Math.Max(0, width * height)], width, height));
    }

    [Fact]
    public void Encode_PixelCountNotWidthTimesHeight_ThrowsArgumentException()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => GrayscalePng.Encode(new byte[5], 3, 2));

        Assert.Contains("Expected 6 pixel bytes (3 x 2), got 5", error.Message);
    }

    [Theory]
    [InlineData("gray_filters", 16, 10)]
    [InlineData("gray_digit", 28, 28)]
    [InlineData("gray_alpha_filters", 5, 6)]
    [InlineData("rgb_filters", 6, 6)]
    [InlineData("rgba_filters", 5, 7)]
    public void Read_FixtureFromIndependentEncoder_GivesThePixelsItWasMadeFrom(string name, int width, int height)
    {
        byte[] expected = File.ReadAllBytes(Fixture(name + ".bin"));

        (byte[] pixels, int actualWidth, int actualHeight) = PngDecoder.Read(Fixture(name + ".png"));

        Assert.Equal((width, height), (actualWidth, actualHeight));
        Assert.Equal(expected, pixels);
    }

    [Theory]
    [InlineData("gray_filters", 16, 1)]
    [InlineData("gray_digit", 28, 1)]
    [InlineData("gray_alpha_filters", 5, 2)]
    [InlineData("rgb_filters", 6, 3)]
    [InlineData("rgba_filters", 5, 4)]
    public void Fixture_AsGenerated_UsesEveryFilterTypeOnLaterRowsAndSeveralIdatChunksOneEmpty(string name, int width, int channels)
    {
        byte[] png = File.ReadAllBytes(Fixture(name + ".png"));

        byte[] rows = PngBytes.InflatedImageData(png);
        int rowLength = 1 + width * channels;
        byte[] filters = Enumerable.Range(0, rows.Length / rowLength).Select(y => rows[y * rowLength]).ToArray();
        List<(string Type, byte[] Data)> idat = PngBytes.Chunks(png).Where(c => c.Type == "IDAT").ToList();

        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, filters.Skip(1).Distinct().Order());
        Assert.True(idat.Count >= 3, $"{name} has {idat.Count} IDAT chunks");
        Assert.Contains(idat, c => c.Data.Length == 0);
    }

    [Fact]
    public void Fixtures_FirstRows_UseEachFilterTypeOnce()
    {
        // On the first row the row above counts as zeros, the edge case of Up, Average and Paeth.
        string[] names = ["gray_filters", "gray_digit", "gray_alpha_filters", "rgb_filters", "rgba_filters"];

        byte[] firstFilters = names.Select(n => PngBytes.InflatedImageData(File.ReadAllBytes(Fixture(n + ".png")))[0]).ToArray();

        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, firstFilters.Order());
    }

    [Fact]
    public void Decode_RgbWithEqualChannels_GivesThatGrayExactly()
    {
        // Luma weights sum to 1000 and the + 500 rounds, so R = G = B = v gives v for every v.
        var rows = new byte[1 + 256 * 3];
        for (int v = 0; v < 256; v++)
        {
            rows[1 + 3 * v] = rows[2 + 3 * v] = rows[3 + 3 * v] = (byte)v;
        }

        byte[] png = PngBytes.Png(PngBytes.Ihdr(256, 1, colorType: 2), PngBytes.Idat(rows), PngBytes.Iend());

        (byte[] pixels, _, _) = PngDecoder.Decode(png);

        Assert.Equal(Enumerable.Range(0, 256).Select(v => (byte)v), pixels);
    }

    [Fact]
    public void Decode_RgbaPrimaries_GivesBt601LumaAndIgnoresAlpha()
    {
        byte[] rows = [0, 255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 255, 255, 255, 7];

        byte[] png = PngBytes.Png(PngBytes.Ihdr(4, 1, colorType: 6), PngBytes.Idat(rows), PngBytes.Iend());
        (byte[] pixels, _, _) = PngDecoder.Decode(png);

        // red (299·255 + 500) / 1000 = 76, green 150, blue 29, white 255; alpha 0, 128, 255, 7 changes nothing.
        Assert.Equal(new byte[] { 76, 150, 29, 255 }, pixels);
    }

    [Fact]
    public void Decode_DataAfterIend_IsIgnored()
    {
        byte[] png = [.. PngBytes.Valid(), .. PngBytes.Chunk("ABCD"), 1, 2, 3];

        (byte[] pixels, int width, int height) = PngDecoder.Decode(png);

        Assert.Equal((3, 2), (width, height));
        Assert.Equal(Enumerable.Range(0, 6).Select(PngBytes.Pixel), pixels);
    }

    [Fact]
    public void WriteThenRead_InTemporaryDirectory_GivesPixelsBackAndLeavesOnlyTheFile()
    {
        var pixels = new byte[28 * 28];
        new Random(42).NextBytes(pixels);
        string path = temp.File("digit.png");

        GrayscalePng.Write(path, pixels, 28, 28);
        (byte[] read, int width, int height) = PngDecoder.Read(path);

        Assert.Equal((28, 28), (width, height));
        Assert.Equal(pixels, read);
        Assert.Equal(["digit.png"], temp.Entries());
    }

    [Fact]
    public void Write_ExistingFile_IsReplacedAndNoTemporaryFileRemains()
    {
        string path = temp.Write("digit.png", [1, 2, 3]);

        GrayscalePng.Write(path, [9, 8, 7, 6], 2, 2);

        Assert.Equal(new byte[] { 9, 8, 7, 6 }, PngDecoder.Read(path).Pixels);
        Assert.Equal(["digit.png"], temp.Entries());
    }

    [Fact]
    public void Write_TargetDirectoryMissing_ThrowsAndCreatesNothing()
    {
        string directory = Path.Combine(temp.Path, "missing");

        Assert.Throws<DirectoryNotFoundException>(() => GrayscalePng.Write(Path.Combine(directory, "x.png"), [0], 1, 1));

        Assert.False(Directory.Exists(directory));
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Write_TargetIsExistingDirectory_ThrowsLeavesItAndRemovesTemporaryFile()
    {
        string target = temp.File("x.png");
        Directory.CreateDirectory(target);

        Exception? error = Record.Exception(() => GrayscalePng.Write(target, [0], 1, 1));

        Assert.True(error is IOException or UnauthorizedAccessException, $"unexpected {error?.GetType()}");
        Assert.True(Directory.Exists(target));
        Assert.Equal(["x.png"], temp.Entries());
    }

    [Fact]
    public void Write_BadArguments_ThrowsBeforeCreatingAnyFile()
    {
        Assert.Throws<ArgumentException>(() => GrayscalePng.Write(temp.File("x.png"), new byte[3], 2, 2));

        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Encode_AnyImage_EndsWithTheIendChunkAndItsWellKnownCrc()
    {
        byte[] png = GrayscalePng.Encode([1, 2, 3, 4], 2, 2);

        // Every PNG ends with the same 12 bytes: IEND has no data, and CRC-32("IEND") = 0xAE426082.
        Assert.Equal(Convert.FromHexString("0000000049454E44AE426082"), png[^12..]);
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "png", name);
}
