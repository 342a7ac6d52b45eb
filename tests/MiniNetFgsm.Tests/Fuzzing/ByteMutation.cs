using System.Buffers.Binary;
using CsCheck;

namespace MiniNetFgsm.Tests.Fuzzing;

/// <summary>The byte-level damage a file can take.</summary>
internal enum MutationKind
{
    /// <summary>Cut the file at <see cref="ByteMutation.Position"/>.</summary>
    Truncate,

    /// <summary>Flip bit <c>Value % 8</c> of the byte at <see cref="ByteMutation.Position"/>.</summary>
    FlipBit,

    /// <summary>Overwrite one byte with <c>(byte)Value</c>.</summary>
    SetByte,

    /// <summary>Overwrite 4 bytes with <c>(uint)Value</c>, big-endian (an IDX header field).</summary>
    SetUInt32BigEndian,

    /// <summary>Overwrite 8 bytes with <see cref="ByteMutation.Value"/>, little-endian (a safetensors length).</summary>
    SetUInt64LittleEndian,

    /// <summary>Overwrite 4 bytes with a float32 NaN or infinity, little-endian (a safetensors weight).</summary>
    SetNonFiniteFloat,

    /// <summary>Insert <see cref="ByteMutation.Length"/> bytes (all <c>(byte)Value</c>).</summary>
    Insert,

    /// <summary>Delete <see cref="ByteMutation.Length"/> bytes.</summary>
    Delete,

    /// <summary>Copy <see cref="ByteMutation.Length"/> bytes from <c>Value</c> over those at <see cref="ByteMutation.Position"/>.</summary>
    CopyWithin,

    /// <summary>Append <see cref="ByteMutation.Length"/> bytes (all <c>(byte)Value</c>).</summary>
    Append,
}

/// <summary>
/// One byte-level mutation. Positions are taken modulo the length of the file it is applied to, so one generated
/// mutation fits any file; they are biased toward the first bytes, where the headers are.
/// </summary>
internal readonly record struct ByteMutation(MutationKind Kind, int Position, ulong Value, int Length)
{
    /// <summary>Numbers that sit on the edges of size checks: 0, 1, powers of two and their neighbours, the sign bits.</summary>
    public static readonly ulong[] Interesting =
    [
        0, 1, 2, 3, 4, 7, 8, 9, 10, 16, 27, 28, 29, 255, 256, 1023, 1024, 4095, 4096, 4097, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
        9_999_999, 10_000_000, 10_000_001, 100L * 1024 * 1024, 100L * 1024 * 1024 + 1, 0x7FFFFFC7, 0x7FFFFFFF, 0x80000000,
        0xFFFFFFFE, 0xFFFFFFFF, 0x100000000, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF,
        0x00000803, 0x00000801, 0x00000C03, 0x00000D03, 0x00000800, 0x000008FF, 0x1F8B0803,
    ];

    public static readonly Gen<ByteMutation> Gen =
        CsCheck.Gen.Select(
            CsCheck.Gen.Enum<MutationKind>(),
            CsCheck.Gen.Frequency((4, CsCheck.Gen.Int[0, 48]), (2, CsCheck.Gen.Int[0, 1024]), (1, CsCheck.Gen.Int[0, int.MaxValue])),
            CsCheck.Gen.Frequency((3, CsCheck.Gen.OneOf(Interesting)), (1, CsCheck.Gen.ULong)),
            CsCheck.Gen.Frequency((3, CsCheck.Gen.Int[1, 8]), (1, CsCheck.Gen.Int[1, 4096])),
            (kind, position, value, length) => new ByteMutation(kind, position, value, length));

    public byte[] Apply(byte[] file)
    {
        int at = (int)((uint)Position % (uint)(file.Length + 1));  // 0..Length: truncating to the full length is a no-op
        int inside = file.Length == 0 ? 0 : at % file.Length;
        switch (Kind)
        {
            case MutationKind.Truncate:
                return file[..at];
            case MutationKind.Insert:
                return [.. file[..at], .. Enumerable.Repeat((byte)Value, Length), .. file[at..]];
            case MutationKind.Delete:
                return [.. file[..at], .. file[Math.Min(file.Length, at + Length)..]];
            case MutationKind.Append:
                return [.. file, .. Enumerable.Repeat((byte)Value, Length)];
        }

        byte[] copy = (byte[])file.Clone();
        if (copy.Length == 0)
        {
            return copy;
        }

        Span<byte> field = stackalloc byte[8];
        switch (Kind)
        {
            case MutationKind.FlipBit:
                copy[inside] ^= (byte)(1 << (int)(Value % 8));
                break;
            case MutationKind.SetByte:
                copy[inside] = (byte)Value;
                break;
            case MutationKind.SetUInt32BigEndian:
                BinaryPrimitives.WriteUInt32BigEndian(field, (uint)Value);
                Overwrite(copy, inside, field[..4]);
                break;
            case MutationKind.SetUInt64LittleEndian:
                BinaryPrimitives.WriteUInt64LittleEndian(field, Value);
                Overwrite(copy, inside, field);
                break;
            case MutationKind.SetNonFiniteFloat:
                float bad = (Value % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
                BinaryPrimitives.WriteSingleLittleEndian(field, bad);
                Overwrite(copy, inside / 4 * 4, field[..4]);
                break;
            case MutationKind.CopyWithin:
                int from = (int)(Value % (ulong)copy.Length);
                int count = Math.Min(Length, Math.Min(copy.Length - from, copy.Length - inside));
                copy.AsSpan(from, count).ToArray().CopyTo(copy, inside);
                break;
        }

        return copy;
    }

    // Writes a field at `at`, or as much of it as fits before the end of the file.
    private static void Overwrite(byte[] file, int at, ReadOnlySpan<byte> field) =>
        field[..Math.Min(field.Length, file.Length - at)].CopyTo(file.AsSpan(at));

    /// <summary>Applies every mutation in order.</summary>
    public static byte[] ApplyAll(byte[] file, IEnumerable<ByteMutation> mutations) =>
        mutations.Aggregate(file, (bytes, mutation) => mutation.Apply(bytes));
}
