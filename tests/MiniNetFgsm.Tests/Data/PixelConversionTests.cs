using MiniNetFgsm.Data;

namespace MiniNetFgsm.Tests.Data;

public sealed class PixelConversionTests
{
    [Fact]
    public void ToUnitFloat_EveryLengthFrom0To256_MatchesTheScalarReferenceExactly()
    {
        var random = new Random(1234);
        for (int length = 0; length <= 256; length++)
        {
            var source = new byte[length];
            random.NextBytes(source);
            var fast = new float[length + 1];
            var reference = new float[length + 1];
            fast[length] = reference[length] = -7f;

            PixelConversion.ToUnitFloat(source, fast);
            PixelConversion.ToUnitFloatReference(source, reference);

            Assert.Equal(reference, fast);
        }
    }

    [Fact]
    public void ToUnitFloat_AllByteValues_AreInZeroToOneWithEndsExact()
    {
        byte[] source = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var destination = new float[256];

        PixelConversion.ToUnitFloat(source, destination);

        Assert.Equal(0f, destination[0]);
        Assert.Equal(1f, destination[255]);
        Assert.All(destination, value => Assert.InRange(value, 0f, 1f));
        Assert.Equal(destination.Order().ToArray(), destination);
    }

    [Fact]
    public void Quantize_EndsAndMiddle_GiveZero255And128()
    {
        var bytes = new byte[3];

        PixelConversion.Quantize([0f, 1f, 0.5f], bytes);

        Assert.Equal(new byte[] { 0, 255, 128 }, bytes);
    }

    [Fact]
    public void Quantize_ExactHalves_RoundToEven()
    {
        // k / 255f · 255f is exactly k for these k, so each is a true tie; away-from-zero rounding would give 1, 3, 129, 255.
        float[] halves = [0.5f, 2.5f, 128.5f, 254.5f];
        float[] values = halves.Select(k => k / 255f).ToArray();
        Assert.Equal(halves, values.Select(v => v * 255f));
        var bytes = new byte[values.Length];

        PixelConversion.Quantize(values, bytes);

        Assert.Equal(new byte[] { 0, 2, 128, 254 }, bytes);
    }

    [Fact]
    public void Quantize_OutOfRangeInfinitiesAndNaN_ClampAndNaNGivesZero()
    {
        float[] values = [-0.1f, 1.5f, -0f, float.NegativeInfinity, float.PositiveInfinity, float.NaN, -float.NaN, float.MaxValue];
        var bytes = new byte[values.Length];

        PixelConversion.Quantize(values, bytes);

        Assert.Equal(new byte[] { 0, 255, 0, 0, 255, 0, 0, 255 }, bytes);
    }

    [Fact]
    public void ToUnitFloatThenQuantize_EveryByte_GivesItBack()
    {
        byte[] all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var values = new float[256];
        var back = new byte[256];

        PixelConversion.ToUnitFloat(all, values);
        PixelConversion.Quantize(values, back);

        Assert.Equal(all, back);
        Assert.Equal(all.Select(b => b / 255f), values);
    }

    [Fact]
    public void Quantize_LengthsDiffer_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PixelConversion.Quantize(new float[3], new byte[2]));
    }
}
