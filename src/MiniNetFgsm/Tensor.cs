namespace MiniNetFgsm;

/// <summary>
/// A shape plus contiguous row-major float storage. Images are NCHW: (batch, channels, height, width).
/// This is deliberately minimal: layers own their buffers and reuse them, so a tensor is just a view of
/// an array with a shape attached.
/// </summary>
public sealed class Tensor
{
    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    /// <param name="shape">The dimensions, outermost first. Every dimension must be non-negative.</param>
    public Tensor(params int[] shape)
    {
        Shape = (int[])shape.Clone();
        Data = new float[CheckedLength(Shape)];
    }

    /// <summary>Wraps an existing array (no copy). Its length must equal the product of <paramref name="shape"/>.</summary>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        Shape = (int[])shape.Clone();
        long length = CheckedLength(Shape);
        if (data.Length != length)
        {
            throw new ArgumentException($"Data length {data.Length} does not match shape [{string.Join(", ", shape)}] ({length} elements).", nameof(data));
        }

        Data = data;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>The contiguous storage, row-major.</summary>
    public float[] Data { get; }

    /// <summary>The number of elements (the product of <see cref="Shape"/>).</summary>
    public int Length => Data.Length;

    /// <summary>The number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>The storage as a span.</summary>
    public Span<float> Span => Data;

    /// <summary>Dimension <paramref name="axis"/>.</summary>
    public int this[int axis] => Shape[axis];

    /// <summary>True when this tensor has exactly the given shape.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => shape.SequenceEqual(Shape);

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Array.Clear(Data);

    /// <summary>A deep copy.</summary>
    public Tensor Clone() => new((float[])Data.Clone(), Shape);

    /// <summary>Shape as text, e.g. <c>[64, 1, 28, 28]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <inheritdoc />
    public override string ToString() => $"Tensor{ShapeText}";

    /// <summary>Returns <paramref name="buffer"/> if it already has <paramref name="shape"/>, otherwise a new zeroed tensor.
    /// Layers use this to allocate their outputs once per batch shape.</summary>
    public static Tensor Reuse(Tensor? buffer, params ReadOnlySpan<int> shape)
    {
        if (buffer is not null && buffer.HasShape(shape))
        {
            return buffer;
        }

        return new Tensor(shape.ToArray());
    }

    private static int CheckedLength(int[] shape)
    {
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
            }

            length *= d;
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Shape [{string.Join(", ", shape)}] is too large.", nameof(shape));
            }
        }

        return (int)length;
    }
}
