namespace MiniNetFgsm.Data;

/// <summary>A reusable mini-batch: images as an (N, 1, H, W) tensor of pixels in [0, 1] and their labels.</summary>
public sealed class Batch
{
    private Tensor? images;
    private int[] labels = [];

    /// <summary>The images of the last fill, (N, 1, H, W).</summary>
    public Tensor Images => images ?? throw new InvalidOperationException("The batch is empty.");

    /// <summary>The labels of the last fill.</summary>
    public ReadOnlySpan<int> Labels => labels;

    /// <summary>Fills the batch with images [start, start + count) of <paramref name="data"/>.</summary>
    public Batch Fill(LabeledImages data, int start, int count)
    {
        Prepare(data, count);
        data.CopyImagesTo(start, count, images!.Span);
        data.CopyLabelsTo(start, count, labels);
        return this;
    }

    /// <summary>Fills the batch with the images of <paramref name="data"/> at <paramref name="indices"/>.</summary>
    public Batch Fill(LabeledImages data, ReadOnlySpan<int> indices)
    {
        Prepare(data, indices.Length);
        data.CopyImagesTo(indices, images!.Span);
        data.CopyLabelsTo(indices, labels);
        return this;
    }

    private void Prepare(LabeledImages data, int count)
    {
        images = Tensor.Reuse(images, count, 1, data.Rows, data.Cols);
        if (labels.Length != count)
        {
            labels = new int[count];
        }
    }
}
