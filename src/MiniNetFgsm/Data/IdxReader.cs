namespace MiniNetFgsm.Data;

/// <summary>
/// Reads a pair of IDX files (images and labels, raw or gzip) into a <see cref="LabeledImages"/>,
/// validating everything and refusing absurd sizes before allocating anything.
/// </summary>
/// <remarks>
/// <para>Formats (all integers big-endian uint32, as described on Y. LeCun's MNIST page):</para>
/// <code>
/// images: 0x00000803, count, rows, cols, then count*rows*cols pixel bytes   (N, H, W)
/// labels: 0x00000801, count,             then count label bytes             (N)
/// </code>
/// <para>Gzip is detected by the magic bytes 1F 8B, not by the extension. The payload is decompressed
/// straight into the final arrays; when a checksum is given, SHA-256 is computed over the uncompressed
/// bytes while they are read. Nothing is allocated on the header's word alone: a raw file must hold its
/// payload before the array exists, and a gzip payload array grows only as decompressed bytes arrive, so
/// a corrupt file costs at most a few times its real (uncompressed) size.</para>
/// <para>Every problem with the content, whatever the bytes are, is an <see cref="InvalidDataException"/>
/// (never another exception) whose message starts with the file name and says exactly what is wrong, e.g.
/// <c>t10k-labels-idx1-ubyte.gz: label 11 at index 3 is outside 0..9</c>. A path that names no file
/// (missing, or a directory) is a <see cref="FileNotFoundException"/> naming the path.</para>
/// </remarks>
public static class IdxReader
{
    /// <summary>The magic number of an IDX image file: unsigned bytes, 3 dimensions.</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>The magic number of an IDX label file: unsigned bytes, 1 dimension.</summary>
    public const uint LabelsMagic = 0x00000801;

    /// <summary>The largest image (or label) count accepted.</summary>
    public const int MaxImageCount = 10_000_000;

    /// <summary>The largest image height or width accepted.</summary>
    public const int MaxImageSide = 4096;

    /// <summary>The largest pixel payload accepted, in bytes (about 2 GB, below .NET's array limit).</summary>
    public const long MaxPayloadBytes = 2_000_000_000;

    /// <summary>
    /// Reads an image file and its label file.
    /// </summary>
    /// <param name="imagesPath">The IDX image file (magic 0x00000803), raw or gzip.</param>
    /// <param name="labelsPath">The IDX label file (magic 0x00000801), raw or gzip.</param>
    /// <param name="imagesSha256">If not null, the expected SHA-256 (hex) of the uncompressed image file.</param>
    /// <param name="labelsSha256">If not null, the expected SHA-256 (hex) of the uncompressed label file.</param>
    /// <exception cref="FileNotFoundException">A file does not exist or is a directory.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, too large, truncated, has trailing bytes,
    /// holds a label outside 0..9 or fails its checksum, or the two counts differ.</exception>
    public static LabeledImages Read(string imagesPath, string labelsPath, string? imagesSha256 = null, string? labelsSha256 = null) =>
        Read(imagesPath, imagesSha256, labelsPath, labelsSha256, checksumSource: null);

    internal static LabeledImages Read(string imagesPath, string? imagesSha256, string labelsPath, string? labelsSha256, string? checksumSource)
    {
        using IdxStream images = IdxStream.Open(imagesPath, imagesSha256, checksumSource);
        using IdxStream labels = IdxStream.Open(labelsPath, labelsSha256, checksumSource);

        // Both headers first, so a mismatch or an absurd size is reported before any payload is allocated.
        (int count, int rows, int cols) = ReadImagesHeader(images);
        int labelCount = ReadLabelsHeader(labels);
        if (labelCount != count)
        {
            throw new InvalidDataException($"{images.Name}: has {count} images but {labels.Name} has {labelCount} labels; the counts must agree");
        }

        byte[] labelBytes = ReadLabelsPayload(labels, labelCount);
        byte[] pixels = ReadImagesPayload(images, count, rows, cols);
        return LabeledImages.Wrap(pixels, labelBytes, rows, cols);
    }

    private static (int Count, int Rows, int Cols) ReadImagesHeader(IdxStream file)
    {
        uint[] dims = file.ReadHeader(expectedRank: 3, "image");
        (uint count, uint rows, uint cols) = (dims[0], dims[1], dims[2]);
        if (count > MaxImageCount)
        {
            throw file.Error($"image count {count} exceeds the limit of {MaxImageCount}");
        }

        if (rows is 0 or > MaxImageSide || cols is 0 or > MaxImageSide)
        {
            throw file.Error($"image size {rows} x {cols} is outside 1..{MaxImageSide} per side");
        }

        long total = (long)count * rows * cols;
        if (total > MaxPayloadBytes)
        {
            throw file.Error($"{count} images x {rows} x {cols} = {total} bytes exceeds the limit of {MaxPayloadBytes} bytes");
        }

        return ((int)count, (int)rows, (int)cols);
    }

    private static int ReadLabelsHeader(IdxStream file)
    {
        uint count = file.ReadHeader(expectedRank: 1, "label")[0];
        if (count > MaxImageCount)
        {
            throw file.Error($"label count {count} exceeds the limit of {MaxImageCount}");
        }

        return (int)count;
    }

    private static byte[] ReadLabelsPayload(IdxStream file, int count)
    {
        string description = $"{count} labels";
        byte[] labels = file.ReadPayload(count, description);
        file.Finish(count, description);

        int bad = labels.AsSpan().IndexOfAnyExceptInRange((byte)0, (byte)(LabeledImages.ClassCount - 1));
        if (bad >= 0)
        {
            throw file.Error($"label {labels[bad]} at index {bad} is outside 0..{LabeledImages.ClassCount - 1}");
        }

        return labels;
    }

    private static byte[] ReadImagesPayload(IdxStream file, int count, int rows, int cols)
    {
        int total = count * rows * cols; // <= MaxPayloadBytes, checked in the header
        string description = $"{count} images x {rows} x {cols}";
        byte[] pixels = file.ReadPayload(total, description);  // allocates no more than the file really holds, see ReadPayload
        file.Finish(total, description);
        return pixels;
    }
}
