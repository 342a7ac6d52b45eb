using MiniNetFgsm.Data;

namespace MiniNetFgsm.Tests.Data;

public sealed class IdxWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteThenRead_GivesBackTheSameImagesAndLabels(bool gzip)
    {
        var original = new LabeledImages(IdxBytes.Pixels(5 * 7 * 3), IdxBytes.CyclingLabels(5), rows: 7, cols: 3);
        string imagesPath = _dir.File("images");
        string labelsPath = _dir.File("labels");

        IdxWriter.Write(original, imagesPath, labelsPath, gzip);
        LabeledImages read = IdxReader.Read(imagesPath, labelsPath);

        Assert.Equal((5, 7, 3), (read.Count, read.Rows, read.Cols));
        Assert.Equal(original.Pixels.ToArray(), read.Pixels.ToArray());
        Assert.Equal(original.Labels.ToArray(), read.Labels.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Write_GzipFlag_DecidesWhetherTheFileStartsWithGzipMagic(bool gzip)
    {
        string path = _dir.File("labels");

        IdxWriter.WriteLabels(path, [1, 2, 3], gzip);

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(gzip, bytes[0] == 0x1F && bytes[1] == 0x8B);
    }

    [Fact]
    public void WriteImages_Raw_IsExactlyTheIdxLayout()
    {
        byte[] pixels = IdxBytes.Pixels(2 * 3 * 4);
        string path = _dir.File("images");

        IdxWriter.WriteImages(path, pixels, count: 2, rows: 3, cols: 4);

        Assert.Equal(IdxBytes.Images(2, 3, 4), File.ReadAllBytes(path));
    }

    [Fact]
    public void WriteLabels_Raw_IsExactlyTheIdxLayout()
    {
        string path = _dir.File("labels");

        IdxWriter.WriteLabels(path, [7, 2, 1, 0, 4]);

        Assert.Equal(IdxBytes.Labels(7, 2, 1, 0, 4), File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesItAndLeavesNoTemporaryFiles()
    {
        string path = _dir.Write("labels", new byte[1000]);

        IdxWriter.WriteLabels(path, [3, 4], gzip: true);

        Assert.Equal([path], Directory.GetFiles(_dir.Path));
        Assert.Equal(IdxBytes.Labels(3, 4), GunzipFile(path));
    }

    [Fact]
    public void WriteImages_PixelCountDisagreesWithSizes_ThrowsAndWritesNothing()
    {
        string path = _dir.File("images");

        Assert.Throws<ArgumentException>(() => IdxWriter.WriteImages(path, new byte[11], count: 2, rows: 3, cols: 2));

        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_IntoMissingDirectory_ThrowsAndLeavesNothingBehind()
    {
        string path = Path.Combine(_dir.Path, "missing", "labels");

        Assert.Throws<DirectoryNotFoundException>(() => IdxWriter.WriteLabels(path, [1]));

        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    private static byte[] GunzipFile(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
