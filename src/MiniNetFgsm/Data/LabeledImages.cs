namespace MiniNetFgsm.Data;

/// <summary>
/// A set of grayscale images with one class label each, kept as bytes in memory (MNIST's 60,000 training
/// images are 47 MB this way, four times less than as floats). Batches are converted to floats on demand.
/// </summary>
/// <remarks>
/// <para><see cref="Pixels"/> is (N, H, W): image after image, each row-major, one byte per pixel.
/// <see cref="Labels"/> is (N): one byte per image, each in 0..<see cref="ClassCount"/>-1.</para>
/// <para>A converted batch is NCHW with C = 1: (count, 1, <see cref="Rows"/>, <see cref="Cols"/>), the same
/// order as <see cref="Pixels"/>, each value <c>pixel / 255f</c> in [0, 1].</para>
/// <para>Instances are immutable: the public constructor copies its input, and <see cref="Subset"/> shares
/// the storage without copying.</para>
/// </remarks>
public sealed class LabeledImages
{
    /// <summary>The number of classes; every label is in 0..9.</summary>
    public const int ClassCount = 10;

    private readonly ReadOnlyMemory<byte> _pixels; // (N, H, W)
    private readonly ReadOnlyMemory<byte> _labels; // (N)

    /// <summary>
    /// Builds a set from in-memory data, copying it. The image count is <c>labels.Length</c>.
    /// </summary>
    /// <param name="pixels">(N, rows, cols) bytes: image after image, row-major.</param>
    /// <param name="labels">(N) labels, each in 0..9.</param>
    /// <param name="rows">Image height, at least 1.</param>
    /// <param name="cols">Image width, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> or <paramref name="cols"/> is not positive, or a label is outside 0..9.</exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> does not hold <c>labels.Length * rows * cols</c> bytes.</exception>
    public LabeledImages(ReadOnlySpan<byte> pixels, ReadOnlySpan<byte> labels, int rows, int cols)
        : this((ReadOnlyMemory<byte>)Validate(pixels, labels, rows, cols).ToArray(), (ReadOnlyMemory<byte>)labels.ToArray(), rows, cols)
    {
    }

    // Takes ownership of storage already validated (by the reader, by Subset or by the public constructor).
    private LabeledImages(ReadOnlyMemory<byte> pixels, ReadOnlyMemory<byte> labels, int rows, int cols)
    {
        System.Diagnostics.Debug.Assert(pixels.Length == (long)labels.Length * rows * cols);
        _pixels = pixels;
        _labels = labels;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>The number of images (N).</summary>
    public int Count => _labels.Length;

    /// <summary>Image height (H).</summary>
    public int Rows { get; }

    /// <summary>Image width (W).</summary>
    public int Cols { get; }

    /// <summary>Pixels in one image: <c>Rows * Cols</c>.</summary>
    public int PixelsPerImage => Rows * Cols;

    /// <summary>All pixels, (N, H, W), one byte each (0 = background, 255 = ink for MNIST).</summary>
    public ReadOnlySpan<byte> Pixels => _pixels.Span;

    /// <summary>All labels, (N), each in 0..9.</summary>
    public ReadOnlySpan<byte> Labels => _labels.Span;

    /// <summary>The pixels of image <paramref name="index"/>, (H, W) row-major.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0..Count-1.</exception>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        CheckIndex(index);
        return _pixels.Span.Slice(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>The label of image <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0..Count-1.</exception>
    public int GetLabel(int index)
    {
        CheckIndex(index);
        return _labels.Span[index];
    }

    /// <summary>Images <paramref name="start"/> .. <paramref name="start"/>+<paramref name="count"/>-1, sharing this set's storage (no copy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside 0..Count.</exception>
    public LabeledImages Subset(int start, int count)
    {
        CheckRange(start, count);
        return new LabeledImages(
            _pixels.Slice(start * PixelsPerImage, count * PixelsPerImage),
            _labels.Slice(start, count),
            Rows,
            Cols);
    }

    /// <summary>
    /// Converts images <paramref name="start"/> .. <paramref name="start"/>+<paramref name="count"/>-1 to
    /// floats <c>pixel / 255f</c> in [0, 1], written as (count, 1, H, W) into the first
    /// <c>count * PixelsPerImage</c> elements of <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside 0..Count.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void CopyImagesTo(int start, int count, Span<float> destination)
    {
        CheckRange(start, count);
        CheckDestination(count, PixelsPerImage, destination.Length);
        PixelConversion.ToUnitFloat(_pixels.Span.Slice(start * PixelsPerImage, count * PixelsPerImage), destination);
    }

    /// <summary>Every image as a new tensor (N, 1, H, W) of floats <c>pixel / 255f</c> in [0, 1], the input a model takes.</summary>
    public Tensor ToTensor() => ToTensor(0, Count);

    /// <summary>Images <paramref name="start"/> .. <paramref name="start"/>+<paramref name="count"/>-1 as a new tensor (count, 1, H, W) of floats in [0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside 0..Count.</exception>
    public Tensor ToTensor(int start, int count)
    {
        CheckRange(start, count);
        var tensor = new Tensor(count, 1, Rows, Cols);
        CopyImagesTo(start, count, tensor.Span);
        return tensor;
    }

    /// <summary>Every label as a new array (N), each in 0..9.</summary>
    public int[] ToLabelArray() => ToLabelArray(0, Count);

    /// <summary>Labels <paramref name="start"/> .. <paramref name="start"/>+<paramref name="count"/>-1 as a new array.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside 0..Count.</exception>
    public int[] ToLabelArray(int start, int count)
    {
        CheckRange(start, count);
        int[] labels = new int[count];
        CopyLabelsTo(start, count, labels);
        return labels;
    }

    /// <summary>
    /// Converts the images at <paramref name="indices"/> (in that order, repeats allowed) to floats
    /// <c>pixel / 255f</c>, written as (indices.Length, 1, H, W) into the start of <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..Count-1.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void CopyImagesTo(ReadOnlySpan<int> indices, Span<float> destination)
    {
        int size = PixelsPerImage;
        CheckDestination(indices.Length, size, destination.Length);
        ReadOnlySpan<byte> pixels = _pixels.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            CheckIndex(index, i);
            PixelConversion.ToUnitFloat(pixels.Slice(index * size, size), destination.Slice(i * size, size));
        }
    }

    /// <summary>Copies labels <paramref name="start"/> .. <paramref name="start"/>+<paramref name="count"/>-1 into the start of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside 0..Count.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void CopyLabelsTo(int start, int count, Span<int> destination)
    {
        CheckRange(start, count);
        CheckDestination(count, 1, destination.Length);
        ReadOnlySpan<byte> labels = _labels.Span.Slice(start, count);
        for (int i = 0; i < labels.Length; i++)
        {
            destination[i] = labels[i];
        }
    }

    /// <summary>Copies the labels at <paramref name="indices"/> (in that order) into the start of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..Count-1.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void CopyLabelsTo(ReadOnlySpan<int> indices, Span<int> destination)
    {
        CheckDestination(indices.Length, 1, destination.Length);
        ReadOnlySpan<byte> labels = _labels.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            CheckIndex(index, i);
            destination[i] = labels[index];
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"LabeledImages[{Count} x {Rows} x {Cols}]";

    // The reader's entry point: takes ownership of arrays it has already validated.
    internal static LabeledImages Wrap(byte[] pixels, byte[] labels, int rows, int cols) =>
        new((ReadOnlyMemory<byte>)pixels, (ReadOnlyMemory<byte>)labels, rows, cols);

    private static ReadOnlySpan<byte> Validate(ReadOnlySpan<byte> pixels, ReadOnlySpan<byte> labels, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long expected = (long)labels.Length * rows * cols;
        if (pixels.Length != expected)
        {
            throw new ArgumentException(
                $"Expected {expected} pixel bytes ({labels.Length} labels x {rows} x {cols}), got {pixels.Length}.", nameof(pixels));
        }

        int bad = labels.IndexOfAnyExceptInRange((byte)0, (byte)(ClassCount - 1));
        if (bad >= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(labels), $"Label {labels[bad]} at index {bad} is outside 0..{ClassCount - 1}.");
        }

        return pixels;
    }

    private void CheckIndex(int index, int position = -1)
    {
        if ((uint)index >= (uint)Count)
        {
            string where = position < 0 ? "" : $" (indices[{position}])";
            throw new ArgumentOutOfRangeException(nameof(index), $"Image index {index}{where} is outside 0..{Count - 1}.");
        }
    }

    private void CheckRange(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start > Count - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Range {start}..{start + (long)count - 1} is outside the {Count} images.");
        }
    }

    private static void CheckDestination(int count, int size, int length)
    {
        long needed = (long)count * size;
        if (length < needed)
        {
            throw new ArgumentException($"Destination holds {length} elements, {needed} needed ({count} x {size}).", "destination");
        }
    }
}
