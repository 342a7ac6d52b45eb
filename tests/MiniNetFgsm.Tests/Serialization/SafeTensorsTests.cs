using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Serialization;

/// <summary>Writing and reading well-formed safetensors files: layout, padding, byte order, round trips.</summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void WriteThenRead_TensorsAndMetadata_RoundTripBitIdenticalInOrder()
    {
        var random = new Random(20);
        (string Name, Tensor Tensor)[] tensors =
        [
            ("z.last-name-first", new Tensor(TestData.Uniform(random, 24), 2, 3, 4)),
            ("scalar", new Tensor([42.5f])),
            ("empty", new Tensor(0, 3)),
            ("special", new Tensor([float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), -0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue], 7)),
            ("ünïcödé name", new Tensor(TestData.Uniform(random, 5), 5)),
        ];
        var metadata = new Dictionary<string, string> { ["architecture"] = "lenet", ["note"] = "a \"quoted\" value" };
        string path = temp.File("tensors.safetensors");

        SafeTensors.Write(path, tensors, metadata);
        SafeTensorsFile file = SafeTensors.Read(path);

        Assert.Equal(path, file.Path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        foreach ((string name, Tensor expected) in tensors)
        {
            Tensor actual = file[name];
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(MemoryMarshal.AsBytes(expected.Span).ToArray(), MemoryMarshal.AsBytes(actual.Span).ToArray());
        }
    }

    [Fact]
    public void Write_TwoTensors_StoresThemContiguouslyInTheOrderGivenAsLittleEndianF32()
    {
        string path = temp.File("layout.safetensors");

        SafeTensors.Write(path, [("b", new Tensor([1f, -2f], 2)), ("a", new Tensor([0.5f], 1))]);

        using JsonDocument header = JsonDocument.Parse(RawSafeTensors.ReadHeader(path, out long dataStart));
        Assert.Equal(["b", "a"], header.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", header.RootElement.GetProperty("b").GetRawText());
        Assert.Equal("""{"dtype":"F32","shape":[1],"data_offsets":[8,12]}""", header.RootElement.GetProperty("a").GetRawText());
        byte[] data = File.ReadAllBytes(path)[(int)dataStart..];
        Assert.Equal(12, data.Length);
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(0)));
        Assert.Equal(-2f, BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(4)));
        Assert.Equal(0.5f, BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(8)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Write_AnyHeaderLength_PadsWithSpacesSoDataStartsAtMultipleOf8(int nameLength)
    {
        string path = temp.File("padded.safetensors");

        SafeTensors.Write(path, [(new string('w', nameLength), new Tensor([1f, 2f, 3f], 3))]);

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Equal(8 + headerLength + 12, bytes.Length);
        int jsonEnd = Array.LastIndexOf(bytes, (byte)'}', (int)(8 + headerLength - 1));
        Assert.InRange(8 + headerLength - 1 - jsonEnd, 0, 7);
        Assert.All(bytes[(jsonEnd + 1)..(int)(8 + headerLength)], b => Assert.Equal((byte)' ', b));
    }

    [Fact]
    public void Write_NoMetadata_OmitsMetadataKeyAndReadsBackEmpty()
    {
        string path = temp.File("plain.safetensors");

        SafeTensors.Write(path, [("x", new Tensor([1f], 1))]);

        Assert.DoesNotContain("__metadata__", RawSafeTensors.ReadHeader(path, out _));
        Assert.Empty(SafeTensors.Read(path).Metadata);
    }

    [Fact]
    public void Read_NullMetadataAndSpacePadding_IsAccepted()
    {
        string path = temp.File("null-metadata.safetensors");
        RawSafeTensors.Write(path, """{"__metadata__":null,"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}    """, dataLength: 4);

        SafeTensorsFile file = SafeTensors.Read(path);

        Assert.Empty(file.Metadata);
        Assert.Equal(BitConverter.ToSingle([0, 1, 2, 3]), file["x"].Span[0]);
    }

    [Fact]
    public void Indexer_UnknownName_ThrowsKeyNotFoundNamingFileAndTensor()
    {
        string path = temp.File("one.safetensors");
        SafeTensors.Write(path, [("x", new Tensor([1f], 1))]);
        SafeTensorsFile file = SafeTensors.Read(path);

        var error = Assert.Throws<KeyNotFoundException>(() => file["y"]);

        Assert.StartsWith(path, error.Message);
        Assert.Contains("'y'", error.Message);
    }

    [Theory]
    [InlineData("x", "x")]
    [InlineData("__metadata__", "y")]
    [InlineData("", "y")]
    public void Write_InvalidOrDuplicateNames_ThrowsArgumentExceptionAndWritesNothing(string first, string second)
    {
        string path = temp.File("bad-names.safetensors");

        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [(first, new Tensor(1)), (second, new Tensor(1))]));

        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void FromLittleEndian_OnBigEndianHost_ReversesTheBytesOfEveryValue()
    {
        float[] expected = [1f, -2.5f, float.NaN, 3.14159f, 1e-40f];
        float[] swapped = expected.Select(v => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(v)))).ToArray();

        LittleEndianFloats.FromLittleEndian(swapped, hostIsLittleEndian: false);

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), swapped.Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>On a big-endian host the writer byte-reverses in 16 Ki-float chunks; this length covers two full chunks and a tail.</summary>
    [Fact]
    public void Write_OnBigEndianHost_ReversesEveryValueAcrossChunkBoundaries()
    {
        float[] values = TestData.Uniform(new Random(21), 2 * 16 * 1024 + 13);
        using var littleEndian = new MemoryStream();
        using var bigEndianHost = new MemoryStream();

        LittleEndianFloats.Write(littleEndian, values, hostIsLittleEndian: true);
        LittleEndianFloats.Write(bigEndianHost, values, hostIsLittleEndian: false);

        byte[] expected = littleEndian.ToArray(), actual = bigEndianHost.ToArray();
        Assert.Equal(values.Length * 4, actual.Length);
        for (int i = 0; i < expected.Length; i += 4)
        {
            Assert.True(expected.AsSpan(i, 4).SequenceEqual(actual.AsSpan(i, 4).ToArray().Reverse().ToArray()), $"value {i / 4} not byte-reversed");
        }
    }
}
