using System.Buffers.Binary;
using System.IO.Compression;
using CsCheck;
using MiniNetFgsm.Data;
using MiniNetFgsm.Tests.Data;

namespace MiniNetFgsm.Tests.Fuzzing;

/// <summary>Which of the pair is damaged.</summary>
internal enum IdxTarget
{
    Images,
    Labels,
}

/// <summary>How the damaged file is stored, and at which stage it is damaged.</summary>
internal enum IdxPacking
{
    /// <summary>A raw file, damaged.</summary>
    Raw,

    /// <summary>Gzip-compressed, then the compressed bytes damaged (corrupt deflate, CRC, trailer, ...).</summary>
    DamagedGzip,

    /// <summary>Damaged, then gzip-compressed (a valid gzip stream holding a bad IDX file).</summary>
    GzipOfDamaged,
}

/// <summary>
/// One generated case: a well-formed IDX pair (count images of rows x cols, cycling labels), one header field of one
/// file set to <see cref="HeaderValue"/> (unless <see cref="HeaderField"/> is -1), then byte mutations, stored raw or gzip.
/// </summary>
internal sealed record IdxCase(
    int Count, int Rows, int Cols, IdxTarget Target, IdxPacking Packing, bool OtherIsGzip,
    int HeaderField, uint HeaderValue, ByteMutation[] Mutations)
{
    public static readonly Gen<IdxCase> Gen =
        CsCheck.Gen.Select(
            CsCheck.Gen.Int[0, 12], CsCheck.Gen.Int[1, 9], CsCheck.Gen.Int[1, 9],
            CsCheck.Gen.Enum<IdxTarget>(), CsCheck.Gen.Enum<IdxPacking>(), CsCheck.Gen.Bool,
            CsCheck.Gen.Frequency((1, CsCheck.Gen.Const(-1)), (2, CsCheck.Gen.Int[0, 3])),
            CsCheck.Gen.Frequency((3, CsCheck.Gen.OneOf(ByteMutation.Interesting.Select(v => (uint)v).Distinct().ToArray())), (1, CsCheck.Gen.UInt)),
            CsCheck.Gen.Frequency((1, CsCheck.Gen.Const(Array.Empty<ByteMutation>())), (6, ByteMutation.Gen.Array[1, 4])),
            (count, rows, cols, target, packing, otherIsGzip, field, value, mutations) =>
                new IdxCase(count, rows, cols, target, packing, otherIsGzip, field, value, mutations));

    public bool IsIntact => HeaderField < 0 && Mutations.Length == 0;

    public override string ToString() =>
        $"{Count} x {Rows} x {Cols}, {Target} {Packing} (other {(OtherIsGzip ? "gzip" : "raw")}), " +
        $"{(HeaderField < 0 ? "header intact" : $"header field {HeaderField} = 0x{HeaderValue:X8}")}, mutations [{string.Join(", ", Mutations)}]";

    /// <summary>The images file and the labels file as stored.</summary>
    public (byte[] Images, byte[] Labels) Files()
    {
        byte[] images = IdxBytes.Images(Count, Rows, Cols);
        byte[] labels = IdxBytes.Labels(IdxBytes.CyclingLabels(Count));
        byte[] target = Target == IdxTarget.Images ? images : labels;
        int fields = Target == IdxTarget.Images ? 4 : 2;  // magic, count[, rows, cols]
        if (HeaderField >= 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(target.AsSpan(4 * (HeaderField % fields)), HeaderValue);
        }

        byte[] damaged = Packing switch
        {
            IdxPacking.Raw => ByteMutation.ApplyAll(target, Mutations),
            IdxPacking.DamagedGzip => ByteMutation.ApplyAll(IdxBytes.Gzip(target), Mutations),
            _ => IdxBytes.Gzip(ByteMutation.ApplyAll(target, Mutations)),
        };
        byte[] other = Target == IdxTarget.Images ? labels : images;
        other = OtherIsGzip ? IdxBytes.Gzip(other) : other;
        return Target == IdxTarget.Images ? (damaged, other) : (other, damaged);
    }
}

/// <summary>
/// Property-based fuzzing of <see cref="IdxReader"/> with mutated raw and gzip IDX files: every case loads what the
/// bytes really say or throws <see cref="InvalidDataException"/> naming the file, without hanging, allocating at most
/// <see cref="AllocationFactor"/> times the bytes it was given (compressed plus uncompressed) plus 1 MiB of buffers.
/// See <see cref="Fuzz"/> for the budget, the seed and replaying.
/// </summary>
public sealed class IdxReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int AllocationFactor = 4;
    private const long FixedAllocation = 1 << 20;  // the file buffers (64 KiB each), the decompressors', the first gzip chunk

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Read_MutatedIdxPairs_LoadWhatTheBytesSayOrThrowInvalidDataNamingTheFile()
    {
        Tally tally = Fuzz.Run(nameof(Read_MutatedIdxPairs_LoadWhatTheBytesSayOrThrowInvalidDataNamingTheFile), IdxCase.Gen, Check, output, ciBudget: 3000);

        Assert.True(tally.Loaded + tally.Rejected > 0, "no fuzz case was checked");
    }

    private Outcome Check(IdxCase fuzzCase)
    {
        (byte[] images, byte[] labels) = fuzzCase.Files();
        string imagesPath = temp.Write("images-idx3-ubyte", images);
        string labelsPath = temp.Write("labels-idx1-ubyte", labels);
        byte[] rawImages = Uncompressed(images), rawLabels = Uncompressed(labels);
        long bound = AllocationFactor * (images.LongLength + labels.LongLength + rawImages.LongLength + rawLabels.LongLength) + FixedAllocation;

        LabeledImages? loaded = null;
        Outcome outcome = Fuzz.Load(() => loaded = IdxReader.Read(imagesPath, labelsPath), messagePrefix: "", bound);
        if (!outcome.Loaded && !outcome.Rejection!.StartsWith("images-idx3-ubyte: ", StringComparison.Ordinal) &&
            !outcome.Rejection.StartsWith("labels-idx1-ubyte: ", StringComparison.Ordinal))
        {
            throw new FuzzFailure($"the message does not start with a file name: '{outcome.Rejection}'");
        }

        if (fuzzCase.IsIntact && !outcome.Loaded)
        {
            throw new FuzzFailure($"an intact pair was rejected: {outcome.Rejection}");
        }

        if (loaded is not null)
        {
            // Loaded: it must be exactly what an independent reading of the uncompressed bytes says.
            CheckAgainstBytes(loaded, rawImages, rawLabels);
        }

        return outcome;
    }

    // What an independent reading of the uncompressed bytes gives: header fields, then the payload verbatim.
    private static void CheckAgainstBytes(LabeledImages loaded, byte[] rawImages, byte[] rawLabels)
    {
        uint count = BinaryPrimitives.ReadUInt32BigEndian(rawImages.AsSpan(4));
        uint rows = BinaryPrimitives.ReadUInt32BigEndian(rawImages.AsSpan(8));
        uint cols = BinaryPrimitives.ReadUInt32BigEndian(rawImages.AsSpan(12));
        bool matches = BinaryPrimitives.ReadUInt32BigEndian(rawImages) == IdxReader.ImagesMagic
            && BinaryPrimitives.ReadUInt32BigEndian(rawLabels) == IdxReader.LabelsMagic
            && BinaryPrimitives.ReadUInt32BigEndian(rawLabels.AsSpan(4)) == count
            && loaded.Count == count && loaded.Rows == rows && loaded.Cols == cols
            && rawImages.Length == 16 + (long)count * rows * cols && rawLabels.Length == 8 + count
            && loaded.Pixels.SequenceEqual(rawImages.AsSpan(16)) && loaded.Labels.SequenceEqual(rawLabels.AsSpan(8));
        if (!matches)
        {
            throw new FuzzFailure($"loaded {loaded} from bytes that do not say so");
        }
    }

    /// <summary>The bytes a decompressor gets out of <paramref name="file"/> before it ends or fails (the file itself if not gzip).</summary>
    internal static byte[] Uncompressed(byte[] file)
    {
        if (file.Length < 2 || file[0] != 0x1F || file[1] != 0x8B)
        {
            return file;
        }

        using var output = new MemoryStream();
        using var gzip = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = gzip.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
            }
        }
        catch (InvalidDataException)
        {
            // What came out before the corruption is what a reader could have seen.
        }

        return output.ToArray();
    }
}
