using System.Text;
using MiniNetFgsm.Imaging;

namespace MiniNetFgsm.Tests.Imaging;

public sealed class Crc32Tests
{
    [Fact]
    public void Compute_StandardCheckString_GivesTheCatalogueCheckValue()
    {
        byte[] data = Encoding.ASCII.GetBytes("123456789");

        uint crc = Crc32.Compute(data);

        Assert.Equal(0xCBF43926u, crc);
    }

    [Fact]
    public void Compute_EmptyInput_GivesZero()
    {
        Assert.Equal(0u, Crc32.Compute([]));
    }

    [Fact]
    public void Compute_IendChunkType_GivesTheCrcEveryPngEndsWith()
    {
        // Every PNG ends with 00 00 00 00 'IEND' AE 42 60 82: the CRC of the type alone, the chunk has no data.
        uint crc = Crc32.Compute("IEND"u8);

        Assert.Equal(0xAE426082u, crc);
    }

    [Fact]
    public void Append_EverySplitOfTheInput_EqualsTheCrcOfTheWhole()
    {
        var data = new byte[40];
        new Random(7).NextBytes(data);
        uint whole = Crc32.Compute(data);

        for (int split = 0; split <= data.Length; split++)
        {
            uint pieces = Crc32.Append(Crc32.Compute(data.AsSpan(0, split)), data.AsSpan(split));

            Assert.Equal(whole, pieces);
        }
    }
}
