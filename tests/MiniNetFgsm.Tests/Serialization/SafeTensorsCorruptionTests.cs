using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Serialization;

/// <summary>
/// Every kind of broken file gives an <see cref="InvalidDataException"/> whose message starts with the path and names the first problem.
/// A valid one-tensor header is <c>{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}</c> with 24 data bytes.
/// </summary>
public sealed class SafeTensorsCorruptionTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<string, int, string> BadHeaders => new()
    {
        // header JSON, data bytes, distinctive part of the message
        { "[1,2]", 0, "header must be a JSON object, not an array" },
        { "\"lenet\"", 0, "header must be a JSON object, not the string" },
        { """{"a":""", 0, "header is not valid JSON" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} trailing""", 4, "header is not valid JSON" },
        { """{"a":3}""", 0, "tensor 'a' must be a JSON object" },
        { """{"a":{"shape":[2,3],"data_offsets":[0,24]}}""", 24, "tensor 'a' is missing dtype" },
        { """{"a":{"dtype":"F32","data_offsets":[0,24]}}""", 24, "tensor 'a' is missing shape" },
        { """{"a":{"dtype":"F32","shape":[2,3]}}""", 24, "tensor 'a' is missing data_offsets" },
        { """{"a":{"dtype":"F32","dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""", 24, "tensor 'a' has dtype more than once" },
        { """{"a":{"dtype":32,"shape":[2,3],"data_offsets":[0,24]}}""", 24, "tensor 'a': dtype must be a string, not the number 32" },
        { """{"fc1.weight":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}}""", 12, "tensor 'fc1.weight' has dtype F16; only F32 is supported" },
        { """{"a":{"dtype":"F32","shape":"2x3","data_offsets":[0,24]}}""", 24, "tensor 'a': shape must be an array of integers, not the string \"2x3\"" },
        { """{"a":{"dtype":"F32","shape":[2,1.5],"data_offsets":[0,24]}}""", 24, "element 1 is the number 1.5" },
        { """{"a":{"dtype":"F32","shape":[2,"3"],"data_offsets":[0,24]}}""", 24, "element 1 is the string \"3\"" },
        { """{"a":{"dtype":"F32","shape":[2,3e0],"data_offsets":[0,24]}}""", 24, "element 1 is the number 3e0" },
        { """{"a":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,24]}}""", 24, "tensor 'a' has a negative dimension in shape [2,-3]" },
        { """{"a":{"dtype":"F32","shape":[3000000000],"data_offsets":[0,24]}}""", 24, "dimension 3000000000 overflows" },
        { """{"a":{"dtype":"F32","shape":[99999999999999999999999],"data_offsets":[0,24]}}""", 24, "dimension 99999999999999999999999 overflows" },
        { """{"a":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,24]}}""", 24, "whose element count overflows" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0]}}""", 24, "tensor 'a': data_offsets must be [begin, end]" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24,48]}}""", 48, "tensor 'a': data_offsets must be [begin, end]" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":"0,24"}}""", 24, "tensor 'a': data_offsets must be [begin, end]" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[-8,16]}}""", 24, "tensor 'a': data_offsets must be [begin, end]" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,2.4e1]}}""", 24, "tensor 'a': data_offsets must be [begin, end]" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[24,0]}}""", 24, "tensor 'a' has data_offsets [24,0] with begin > end" },
        { """{"a":{"dtype":"F32","shape":[2,6],"data_offsets":[0,48]}}""", 24, "tensor 'a' ends at byte 48 but the data section has only 24 bytes" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,18446744073709551615]}}""", 24, "ends at byte 18446744073709551615 but the data section has only 24 bytes" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,99999999999999999999999]}}""", 24, "ends at byte 99999999999999999999999 but the data section has only 24 bytes" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", 24, "tensor 'a' has 20 bytes (data_offsets [0, 20]) but shape [2, 3] of F32 needs 24" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}}""", 32, "tensors 'a' (bytes [0, 24)) and 'b' (bytes [16, 32)) overlap" },
        { """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"a":{"dtype":"F32","shape":[1],"data_offsets":[24,28]}}""", 28, "'a' appears more than once in the header" },
        { """{"__metadata__":{"architecture":5},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "__metadata__ value for 'architecture' must be a string, not the number 5" },
        { """{"__metadata__":"lenet","a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "__metadata__ must be an object of strings, not the string \"lenet\"" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Read_CorruptHeader_ThrowsInvalidDataNamingFileAndProblem(string header, int dataLength, string expected)
    {
        string path = temp.File("corrupt.safetensors");
        RawSafeTensors.Write(path, header, dataLength);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        output.WriteLine(error.Message);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Read_TwoProblems_ReportsTheFirstInHeaderOrder()
    {
        string path = temp.File("two-problems.safetensors");
        RawSafeTensors.Write(path, """{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 8);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.Contains("tensor 'a' has dtype I64", error.Message);
    }

    [Fact]
    public void Read_HeaderNotUtf8_ThrowsInvalidDataNamingEncoding()
    {
        string path = temp.File("latin1.safetensors");
        byte[] header = [.. "{\"caf"u8, 0xE9, .. "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8];
        RawSafeTensors.Write(path, header, dataLength: 4);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.Equal($"{path}: header is not valid UTF-8.", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(7)]
    public void Read_FileShorterThan8Bytes_ThrowsInvalidDataGivingItsLength(int length)
    {
        string path = temp.File("short.safetensors");
        File.WriteAllBytes(path, new byte[length]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.StartsWith($"{path}: file is {length} bytes long", error.Message);
    }

    [Fact]
    public void Read_HeaderLengthZero_ThrowsInvalidData()
    {
        string path = temp.File("zero.safetensors");
        RawSafeTensors.Write(path, "{}", dataLength: 0, headerLength: 0);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.Equal($"{path}: header length is 0; expected a JSON header.", error.Message);
    }

    [Fact]
    public void Read_HeaderLengthBeyondFile_ThrowsInvalidData()
    {
        string path = temp.File("beyond.safetensors");
        RawSafeTensors.Write(path, "{}", dataLength: 0, headerLength: 3);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.Equal($"{path}: header length 3 goes beyond the end of the file (2 bytes follow the 8-byte length).", error.Message);
    }

    [Theory]
    [InlineData(SafeTensors.MaxHeaderLength + 1)]
    [InlineData(ulong.MaxValue)]
    public void Read_AbsurdHeaderLength_ThrowsInvalidDataWithoutAllocatingIt(ulong headerLength)
    {
        string path = temp.File("absurd.safetensors");
        RawSafeTensors.Write(path, "{}", dataLength: 0, headerLength: headerLength);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.Equal($"{path}: header length {headerLength} is absurd (more than {SafeTensors.MaxHeaderLength} bytes).", error.Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFoundNamingPath()
    {
        string path = temp.File("missing.safetensors");

        var error = Assert.Throws<FileNotFoundException>(() => SafeTensors.Read(path));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Read_MissingDirectory_ThrowsFileNotFoundNamingPath()
    {
        string path = Path.Combine(temp.Path, "no-such-dir", "model.safetensors");

        var error = Assert.Throws<FileNotFoundException>(() => SafeTensors.Read(path));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }
}
