using System.Text;
using MiniNetFgsm.Data;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Tests.Data;
using MiniNetFgsm.Tests.Serialization;

namespace MiniNetFgsm.Tests.Fuzzing;

/// <summary>One test per reader bug the fuzzers found, each on the smallest input that showed it.</summary>
public sealed class FuzzRegressionTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    // Found by IdxReaderFuzzTests: a gzip file of a few hundred bytes whose header claimed 8 images of 2048 x 1283
    // allocated the whole 21 MB payload before finding it truncated (and up to 2 GB for a larger claim).
    [Fact]
    public void Read_TinyGzipClaimingA1_6GBPayload_IsTruncatedAfterAllocatingLittle()
    {
        byte[] header = IdxBytes.Header(IdxReader.ImagesMagic, 2_000_000, 28, 28);  // 1.57 GB of pixels claimed
        string images = temp.Write("images.gz", IdxBytes.Gzip([.. header, .. new byte[100]]));
        string labels = temp.Write("labels", IdxBytes.Labels(new byte[2_000_000]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(images, labels));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("payload is truncated: expected 1568000000 bytes", error.Message);
        Assert.True(allocated < 2_000_000 + (4 << 20), $"allocated {allocated} bytes");  // the 2 MB of real labels, the buffers
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_GzipPayloadLargerThanTheFirstGuess_GrowsAndLoadsExactly(bool gzip)
    {
        // Constant pixels compress far more than 8x, so the gzip payload array starts small and must grow several times.
        const int count = 200, side = 64;
        byte[] raw = [.. IdxBytes.Header(IdxReader.ImagesMagic, count, side, side), .. Enumerable.Repeat((byte)7, count * side * side)];
        string images = temp.Write("images", gzip ? IdxBytes.Gzip(raw) : raw);
        string labels = temp.Write("labels", IdxBytes.Labels(IdxBytes.CyclingLabels(count)));

        LabeledImages set = IdxReader.Read(images, labels);

        Assert.Equal(count, set.Count);
        Assert.True(set.Pixels.Length == count * side * side && !set.Pixels.ContainsAnyExcept((byte)7));
    }

    // Found by SafeTensorsFuzzTests: JSON may escape an unpaired surrogate, which System.Text.Json parses but cannot read as
    // a .NET string; SafeTensors.Read let its InvalidOperationException out.
    [Theory]
    [InlineData("""{"\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "a key in the header is not valid Unicode")]
    [InlineData("""{"__metadata__":{"\udc00x":"lenet"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "a key in __metadata__ is not valid Unicode")]
    [InlineData("""{"__metadata__":{"architecture":"\ud800"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "__metadata__ value for 'architecture' is not valid Unicode")]
    [InlineData("""{"a":{"dtype":"\ud800","shape":[1],"data_offsets":[0,4]}}""", "tensor 'a': dtype is not valid Unicode")]
    public void Read_EscapedUnpairedSurrogate_IsInvalidDataNotInvalidOperation(string header, string expected)
    {
        string path = temp.File("surrogate.safetensors");
        RawSafeTensors.Write(path, Encoding.UTF8.GetBytes(header), dataLength: 4);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.StartsWith($"{path}: {expected}", error.Message);
    }

    // Found by the 100,000-case run (seed 424242, case 69405): shape [65536, 65536, 46340, 0] has 0 elements, so the header
    // check let it through, but Tensor multiplies in order and threw ArgumentException ("is too large").
    [Theory]
    [InlineData("[65536,65536,46340,0]")]
    [InlineData("[65536,65536,0]")]
    public void Read_EmptyShapeWhosePrefixOverflows_IsInvalidDataNotArgumentException(string shape)
    {
        string path = temp.File("empty.safetensors");
        RawSafeTensors.Write(path, """{"a":{"dtype":"F32","shape":""" + shape + ""","data_offsets":[0,0]}}""", dataLength: 0);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.Equal($"{path}: tensor 'a' has shape {shape}, whose dimensions before the 0 multiply past {Array.MaxLength}, more than a tensor can hold.", error.Message);
    }

    [Fact]
    public void Read_EmptyShapeWithinTheLimit_LoadsAnEmptyTensor()
    {
        string path = temp.File("empty.safetensors");
        RawSafeTensors.Write(path, """{"a":{"dtype":"F32","shape":[46340,46340,0],"data_offsets":[0,0]}}""", dataLength: 0);

        Tensor a = SafeTensors.Read(path)["a"];

        Assert.Equal([46340, 46340, 0], a.Shape);
        Assert.Equal(0, a.Length);
    }
}
