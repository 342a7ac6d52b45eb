using MiniNetFgsm.Data;

namespace MiniNetFgsm.Tests.Data;

/// <summary>Every way an IDX pair can be wrong gives an InvalidDataException that names the file and the problem.</summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_WellFormedPair_GivesHeaderSizesPixelsAndLabels(bool gzip)
    {
        byte[] images = IdxBytes.Images(count: 3, rows: 2, cols: 4);
        byte[] labels = IdxBytes.Labels(7, 0, 9);
        string imagesPath = _dir.Write("images.idx", gzip ? IdxBytes.Gzip(images) : images);
        string labelsPath = _dir.Write("labels.idx", gzip ? IdxBytes.Gzip(labels) : labels);

        LabeledImages set = IdxReader.Read(imagesPath, labelsPath);

        Assert.Equal((3, 2, 4, 8), (set.Count, set.Rows, set.Cols, set.PixelsPerImage));
        Assert.Equal(IdxBytes.Pixels(24), set.Pixels.ToArray());
        Assert.Equal(new byte[] { 7, 0, 9 }, set.Labels.ToArray());
    }

    [Fact]
    public void Read_GzipFileWithoutGzExtensionAndRawFileWithGzExtension_AreDetectedByMagicBytes()
    {
        string imagesPath = _dir.Write("images.idx", IdxBytes.Gzip(IdxBytes.Images(2, 3, 3)));
        string labelsPath = _dir.Write("labels.idx.gz", IdxBytes.Labels(1, 2));

        LabeledImages set = IdxReader.Read(imagesPath, labelsPath);

        Assert.Equal(IdxBytes.Pixels(18), set.Pixels.ToArray());
        Assert.Equal(new byte[] { 1, 2 }, set.Labels.ToArray());
    }

    [Fact]
    public void Read_EmptyPair_GivesEmptySet()
    {
        string imagesPath = _dir.Write("images.idx", IdxBytes.Images(0, 28, 28));
        string labelsPath = _dir.Write("labels.idx", IdxBytes.Labels());

        LabeledImages set = IdxReader.Read(imagesPath, labelsPath);

        Assert.Equal((0, 28, 28), (set.Count, set.Rows, set.Cols));
    }

    [Fact]
    public void Read_BadMagicNumber_IsRejected()
    {
        byte[] images = [.. IdxBytes.Header(0x12345678, 2, 3, 4), .. new byte[24]];

        string message = ReadError(images, IdxBytes.Labels(0, 1));

        Assert.Equal("images.idx: bad magic number 0x12345678, expected 0x00000803 for an IDX image file (the file is not gzip-compressed either)", message);
    }

    [Fact]
    public void Read_LabelFileGivenAsImages_IsRejectedByItsMagicNumber()
    {
        byte[] labels = IdxBytes.Labels(0, 1);

        string message = ReadError(images: labels, labels: labels);

        Assert.Equal("images.idx: magic number 0x00000801 declares 1 dimension(s), expected 0x00000803 (3 dimension(s)) for an IDX image file", message);
    }

    [Fact]
    public void Read_ImageFileGivenAsLabels_IsRejectedByItsMagicNumber()
    {
        byte[] images = IdxBytes.Images(2, 3, 4);

        string message = ReadError(images: images, labels: images);

        Assert.Equal("labels.idx: magic number 0x00000803 declares 3 dimension(s), expected 0x00000801 (1 dimension(s)) for an IDX label file", message);
    }

    [Fact]
    public void Read_FloatDataType_IsRejected()
    {
        byte[] images = [.. IdxBytes.Header(0x00000D03, 2, 3, 4), .. new byte[96]];

        string message = ReadError(images, IdxBytes.Labels(0, 1));

        Assert.Equal("images.idx: data type 0x0D in magic number 0x00000D03 is not supported, expected 0x08 (unsigned byte)", message);
    }

    [Fact]
    public void Read_EmptyFile_IsATruncatedHeader()
    {
        string message = ReadError(images: [], labels: IdxBytes.Labels(0, 1));

        Assert.Equal("images.idx: header is truncated: the file ends after 0 byte(s), while reading the magic number", message);
    }

    [Fact]
    public void Read_HeaderCutInsideTheDimensions_IsATruncatedHeader()
    {
        byte[] images = IdxBytes.Images(2, 3, 4)[..10];

        string message = ReadError(images, IdxBytes.Labels(0, 1));

        Assert.Equal("images.idx: header is truncated: the file ends after 10 byte(s), while reading the 3 dimension(s)", message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_PayloadOneByteShort_IsTruncated(bool gzip)
    {
        byte[] images = IdxBytes.Images(2, 3, 4)[..^1];

        string message = ReadError(images, IdxBytes.Labels(0, 1), gzip);

        Assert.Equal("images.idx: payload is truncated: expected 24 bytes (2 images x 3 x 4) after the 16-byte header, found only 23", message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_LabelPayloadShort_IsTruncated(bool gzip)
    {
        byte[] labels = [.. IdxBytes.Header(0x00000801, 2), 1];

        string message = ReadError(IdxBytes.Images(2, 3, 4), labels, gzip);

        Assert.Equal("labels.idx: payload is truncated: expected 2 bytes (2 labels) after the 8-byte header, found only 1", message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_TrailingBytesAfterPayload_AreRejected(bool gzip)
    {
        byte[] images = [.. IdxBytes.Images(2, 3, 4), 1, 2, 3, 4, 5];

        string message = ReadError(images, IdxBytes.Labels(0, 1), gzip);

        Assert.Equal("images.idx: 5 trailing byte(s) after the 24-byte payload (2 images x 3 x 4); the file is longer than its header says", message);
    }

    [Fact]
    public void Read_ManyTrailingBytes_AreReportedWithoutCountingThemAll()
    {
        byte[] labels = [.. IdxBytes.Labels(0, 1), .. new byte[200_000]];

        string message = ReadError(IdxBytes.Images(2, 3, 4), labels);

        Assert.Equal("labels.idx: more than 65536 trailing bytes after the 2-byte payload (2 labels); the file is longer than its header says", message);
    }

    [Fact]
    public void Read_ImageAndLabelCountsDiffer_IsRejected()
    {
        string message = ReadError(IdxBytes.Images(2, 3, 4), IdxBytes.Labels(0, 1, 2));

        Assert.Equal("images.idx: has 2 images but labels.idx has 3 labels; the counts must agree", message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_Label11AtIndex3_IsRejectedWithItsValueAndIndex(bool gzip)
    {
        string message = ReadError(IdxBytes.Images(5, 2, 2), IdxBytes.Labels(0, 9, 4, 11, 3), gzip);

        Assert.Equal("labels.idx: label 11 at index 3 is outside 0..9", message);
    }

    [Theory]
    [InlineData(10_000_001u, 28u, 28u, "images.idx: image count 10000001 exceeds the limit of 10000000")]
    [InlineData(uint.MaxValue, 28u, 28u, "images.idx: image count 4294967295 exceeds the limit of 10000000")]
    [InlineData(60_000u, 4097u, 28u, "images.idx: image size 4097 x 28 is outside 1..4096 per side")]
    [InlineData(60_000u, 28u, uint.MaxValue, "images.idx: image size 28 x 4294967295 is outside 1..4096 per side")]
    [InlineData(60_000u, 0u, 28u, "images.idx: image size 0 x 28 is outside 1..4096 per side")]
    [InlineData(10_000_000u, 28u, 28u, "images.idx: 10000000 images x 28 x 28 = 7840000000 bytes exceeds the limit of 2000000000 bytes")]
    [InlineData(200_000u, 4096u, 4096u, "images.idx: 200000 images x 4096 x 4096 = 3355443200000 bytes exceeds the limit of 2000000000 bytes")]
    public void Read_AbsurdImageHeader_IsRejectedBeforeAllocating(uint count, uint rows, uint cols, string expected)
    {
        byte[] images = IdxBytes.Header(0x00000803, count, rows, cols);
        string imagesPath = _dir.Write("images.idx", images);
        string labelsPath = _dir.Write("labels.idx", IdxBytes.Labels(0, 1));
        long before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(imagesPath, labelsPath));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, error.Message);
        Assert.True(allocated < 1_000_000, $"{allocated} bytes were allocated before the header was rejected");
    }

    [Fact]
    public void Read_AbsurdLabelCount_IsRejectedBeforeAllocating()
    {
        string imagesPath = _dir.Write("images.idx", IdxBytes.Images(2, 3, 4));
        string labelsPath = _dir.Write("labels.idx", IdxBytes.Header(0x00000801, 4_000_000_000));
        long before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(imagesPath, labelsPath));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("labels.idx: label count 4000000000 exceeds the limit of 10000000", error.Message);
        Assert.True(allocated < 1_000_000, $"{allocated} bytes were allocated before the header was rejected");
    }

    [Fact]
    public void Read_RawFileMuchShorterThanItsPlausibleHeader_IsRejectedBeforeAllocating()
    {
        byte[] images = [.. IdxBytes.Header(0x00000803, 1_000_000, 28, 28), .. new byte[10]];
        string imagesPath = _dir.Write("images.idx", images);
        string labelsPath = _dir.Write("labels.idx", [.. IdxBytes.Header(0x00000801, 1_000_000), .. new byte[1_000_000]]);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(imagesPath, labelsPath));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("images.idx: payload is truncated: expected 784000000 bytes (1000000 images x 28 x 28) after the 16-byte header, found only 10", error.Message);
        Assert.True(allocated < 10_000_000, $"{allocated} bytes were allocated before the truncation was found");
    }

    [Fact]
    public void Read_GzipWithWrongCrc32_IsRejectedAsCorruptGzip()
    {
        byte[] gzip = IdxBytes.Gzip(IdxBytes.Images(20, 10, 10));
        gzip[^8] ^= 0x01; // the gzip trailer is CRC32 (4 bytes) then ISIZE (4 bytes)
        string imagesPath = _dir.Write("images.idx.gz", gzip);
        string labelsPath = _dir.Write("labels.idx", IdxBytes.Labels(IdxBytes.CyclingLabels(20)));

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(imagesPath, labelsPath));

        Assert.StartsWith("images.idx.gz: gzip data is corrupt (after ", error.Message);
    }

    [Fact]
    public void Read_GzipCutInHalf_IsATruncatedPayload()
    {
        byte[] gzip = IdxBytes.Gzip(IdxBytes.Images(20, 10, 10));
        string imagesPath = _dir.Write("images.idx.gz", gzip[..(gzip.Length / 2)]);
        string labelsPath = _dir.Write("labels.idx", IdxBytes.Labels(IdxBytes.CyclingLabels(20)));

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(imagesPath, labelsPath));

        Assert.StartsWith("images.idx.gz: payload is truncated: expected 2000 bytes (20 images x 10 x 10) after the 16-byte header, found only ", error.Message);
    }

    [Fact]
    public void Read_MissingFile_IsFileNotFoundNamingThePath()
    {
        string imagesPath = _dir.Write("images.idx", IdxBytes.Images(2, 3, 4));
        string labelsPath = _dir.File("no-such-labels.idx");

        var error = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(imagesPath, labelsPath));

        Assert.Equal(labelsPath, error.FileName);
        Assert.Contains(labelsPath, error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_ExpectedChecksumMatches_Succeeds(bool gzip)
    {
        byte[] images = IdxBytes.Images(2, 3, 4);
        byte[] labels = IdxBytes.Labels(5, 6);
        string imagesPath = _dir.Write("images.idx", gzip ? IdxBytes.Gzip(images) : images);
        string labelsPath = _dir.Write("labels.idx", gzip ? IdxBytes.Gzip(labels) : labels);

        LabeledImages set = IdxReader.Read(imagesPath, labelsPath, IdxBytes.Sha256(images), IdxBytes.Sha256(labels).ToUpperInvariant());

        Assert.Equal(2, set.Count);
    }

    [Fact]
    public void Read_ExpectedChecksumDiffers_IsRejectedWithBothHashes()
    {
        byte[] images = IdxBytes.Images(2, 3, 4);
        string imagesPath = _dir.Write("images.idx", IdxBytes.Gzip(images));
        string labelsPath = _dir.Write("labels.idx", IdxBytes.Labels(5, 6));
        string wrong = new('0', 64);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(imagesPath, labelsPath, imagesSha256: wrong));

        Assert.Equal($"images.idx: SHA-256 mismatch: expected {wrong}, actual {IdxBytes.Sha256(images)} (hash of the uncompressed content)", error.Message);
    }

    // Writes the pair (optionally gzipped) as images.idx / labels.idx, reads it, and returns the error message.
    private string ReadError(byte[] images, byte[] labels, bool gzip = false)
    {
        string imagesPath = _dir.Write("images.idx", gzip ? IdxBytes.Gzip(images) : images);
        string labelsPath = _dir.Write("labels.idx", gzip ? IdxBytes.Gzip(labels) : labels);

        return Assert.Throws<InvalidDataException>(() => IdxReader.Read(imagesPath, labelsPath)).Message;
    }
}
