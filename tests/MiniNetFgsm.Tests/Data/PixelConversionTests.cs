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
}
