using System.Buffers.Binary;
using System.IO.Compression;

namespace MiniNetFgsm.Data;

/// <summary>
/// Writes IDX image and label files (unsigned bytes), raw or gzip, in the format <see cref="IdxReader"/> reads.
/// </summary>
/// <remarks>
/// Each file is written to a temporary file in the same directory and then renamed over
/// <c>path</c>, so a reader never sees a half-written file. Labels are written as given (any byte), which
/// lets tests produce files the reader must reject.
/// </remarks>
public static class IdxWriter
{
    /// <summary>Writes an IDX image file: magic 0x00000803, count, rows, cols, then the pixels.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="pixels">(count, rows, cols) bytes: image after image, row-major.</param>
    /// <param name="count">The number of images.</param>
    /// <param name="rows">Image height, at least 1.</param>
    /// <param name="cols">Image width, at least 1.</param>
    /// <param name="gzip">True to gzip-compress the file (smallest size).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or zero.</exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> does not hold <c>count * rows * cols</c> bytes.</exception>
    public static void WriteImages(string path, ReadOnlySpan<byte> pixels, int count, int rows, int cols, bool gzip = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long expected = (long)count * rows * cols;
        if (pixels.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} pixel bytes ({count} x {rows} x {cols}), got {pixels.Length}.", nameof(pixels));
        }

        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(header, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], count);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], rows);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], cols);
        Write(path, header, pixels, gzip);
    }

    /// <summary>Writes an IDX label file: magic 0x00000801, count, then one byte per label.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="labels">The labels, written as given.</param>
    /// <param name="gzip">True to gzip-compress the file (smallest size).</param>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels, bool gzip = false)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], labels.Length);
        Write(path, header, labels, gzip);
    }

    /// <summary>Writes <paramref name="data"/> as an image file and a label file.</summary>
    /// <param name="data">The images and labels to write.</param>
    /// <param name="imagesPath">The image file to create or replace.</param>
    /// <param name="labelsPath">The label file to create or replace.</param>
    /// <param name="gzip">True to gzip-compress both files.</param>
    public static void Write(LabeledImages data, string imagesPath, string labelsPath, bool gzip = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        WriteImages(imagesPath, data.Pixels, data.Count, data.Rows, data.Cols, gzip);
        WriteLabels(labelsPath, data.Labels, gzip);
    }

    private static void Write(string path, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload, bool gzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new AtomicFile(path, bufferSize: 1 << 16);
        if (gzip)
        {
            using var compressed = new GZipStream(file.Stream, CompressionLevel.SmallestSize, leaveOpen: true);
            compressed.Write(header);
            compressed.Write(payload);
        }
        else
        {
            file.Stream.Write(header);
            file.Stream.Write(payload);
        }

        file.Commit();
    }
}
