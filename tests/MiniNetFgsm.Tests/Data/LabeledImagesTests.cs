using MiniNetFgsm.Data;

namespace MiniNetFgsm.Tests.Data;

public sealed class LabeledImagesTests
{
    // Four 2x3 images; image n holds pixels 10n .. 10n+5.
    private static LabeledImages FourImages() => new(
        [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35],
        [3, 1, 4, 1],
        rows: 2,
        cols: 3);

    [Fact]
    public void Constructor_ValidArrays_ExposesSizesPixelsAndLabels()
    {
        LabeledImages set = FourImages();

        Assert.Equal((4, 2, 3, 6), (set.Count, set.Rows, set.Cols, set.PixelsPerImage));
        Assert.Equal(24, set.Pixels.Length);
        Assert.Equal(new byte[] { 20, 21, 22, 23, 24, 25 }, set.GetImage(2).ToArray());
        Assert.Equal(4, set.GetLabel(2));
    }

    [Fact]
    public void Constructor_CopiesItsInput_SoLaterChangesDoNotLeakIn()
    {
        byte[] pixels = [1, 2, 3, 4];
        byte[] labels = [5];
        var set = new LabeledImages(pixels, labels, rows: 2, cols: 2);

        pixels[0] = 99;
        labels[0] = 9;

        Assert.Equal(1, set.Pixels[0]);
        Assert.Equal(5, set.GetLabel(0));
    }

    [Fact]
    public void Constructor_PixelLengthNotCountTimesRowsTimesCols_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new LabeledImages(new byte[23], new byte[4], rows: 2, cols: 3));

        Assert.StartsWith("Expected 24 pixel bytes (4 labels x 2 x 3), got 23.", error.Message);
    }

    [Fact]
    public void Constructor_Label10_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LabeledImages(new byte[3], [0, 10, 2], rows: 1, cols: 1));

        Assert.StartsWith("Label 10 at index 1 is outside 0..9.", error.Message);
    }

    [Fact]
    public void Constructor_ZeroRows_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabeledImages([], [], rows: 0, cols: 3));
    }

    [Fact]
    public void Subset_MiddleRange_GivesThoseImagesAndLabels()
    {
        LabeledImages set = FourImages();

        LabeledImages subset = set.Subset(1, 2);

        Assert.Equal((2, 2, 3), (subset.Count, subset.Rows, subset.Cols));
        Assert.Equal(new byte[] { 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25 }, subset.Pixels.ToArray());
        Assert.Equal(new byte[] { 1, 4 }, subset.Labels.ToArray());
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, 5)]
    [InlineData(4, 1)]
    [InlineData(1, -1)]
    [InlineData(int.MaxValue, 2)]
    public void Subset_RangeOutsideTheSet_Throws(int start, int count)
    {
        LabeledImages set = FourImages();

        Assert.Throws<ArgumentOutOfRangeException>(() => set.Subset(start, count));
    }

    [Fact]
    public void Subset_EmptyAtTheEnd_IsAllowed()
    {
        LabeledImages subset = FourImages().Subset(4, 0);

        Assert.Equal(0, subset.Count);
    }

    [Fact]
    public void CopyImagesTo_EveryByteValue_GivesExactlyPixelOver255()
    {
        byte[] pixels = new byte[256];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)i;
        }

        var set = new LabeledImages(pixels, [0], rows: 16, cols: 16);
        var destination = new float[256];

        set.CopyImagesTo(0, 1, destination);

        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(i / 255f, destination[i]);
        }

        Assert.Equal(0f, destination[0]);
        Assert.Equal(1f, destination[255]);
    }

    [Fact]
    public void CopyImagesTo_Range_WritesImagesInOrderAndLeavesTheRestOfTheDestination()
    {
        LabeledImages set = FourImages();
        float[] destination = Enumerable.Repeat(-1f, 14).ToArray();

        set.CopyImagesTo(2, 2, destination);

        float[] expected = [20 / 255f, 21 / 255f, 22 / 255f, 23 / 255f, 24 / 255f, 25 / 255f, 30 / 255f, 31 / 255f, 32 / 255f, 33 / 255f, 34 / 255f, 35 / 255f, -1f, -1f];
        Assert.Equal(expected, destination);
    }

    [Fact]
    public void CopyImagesTo_Indices_WritesImagesInIndexOrderWithRepeats()
    {
        LabeledImages set = FourImages();
        var destination = new float[18];

        set.CopyImagesTo([3, 0, 3], destination);

        Assert.Equal(30 / 255f, destination[0]);
        Assert.Equal(35 / 255f, destination[5]);
        Assert.Equal(0f, destination[6]);
        Assert.Equal(5 / 255f, destination[11]);
        Assert.Equal(30 / 255f, destination[12]);
        Assert.Equal(35 / 255f, destination[17]);
    }

    [Fact]
    public void CopyLabelsTo_RangeAndIndices_GiveTheLabelsAsInts()
    {
        LabeledImages set = FourImages();
        var range = new int[3];
        var picked = new int[3];

        set.CopyLabelsTo(1, 3, range);
        set.CopyLabelsTo([2, 0, 2], picked);

        Assert.Equal([1, 4, 1], range);
        Assert.Equal([4, 3, 4], picked);
    }

    [Fact]
    public void CopyImagesTo_DestinationTooShort_Throws()
    {
        LabeledImages set = FourImages();

        Assert.Throws<ArgumentException>(() => set.CopyImagesTo(0, 2, new float[11]));
        Assert.Throws<ArgumentException>(() => set.CopyImagesTo([0, 1], new float[11]));
        Assert.Throws<ArgumentException>(() => set.CopyLabelsTo(0, 2, new int[1]));
        Assert.Throws<ArgumentException>(() => set.CopyLabelsTo([0, 1], new int[1]));
    }

    [Fact]
    public void CopyImagesTo_IndexOutsideTheSet_ThrowsNamingTheIndexAndItsPosition()
    {
        LabeledImages set = FourImages();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => set.CopyImagesTo([0, 4], new float[12]));

        Assert.StartsWith("Image index 4 (indices[1]) is outside 0..3.", error.Message);
    }

    [Fact]
    public void GetImageGetLabelAndCopyLabelsTo_IndexOutsideTheSet_Throw()
    {
        LabeledImages set = FourImages();

        Assert.Throws<ArgumentOutOfRangeException>(() => set.GetImage(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.GetLabel(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.CopyLabelsTo([-1], new int[1]));
    }
}
