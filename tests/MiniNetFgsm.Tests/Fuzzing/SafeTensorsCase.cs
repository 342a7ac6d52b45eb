using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Fuzzing;

/// <summary>The header edits a safetensors case can make; each reads its operands from <see cref="JsonEdit"/>'s A and B.</summary>
internal enum JsonEditKind
{
    Dtype,
    Shape,
    Offsets,
    OffsetsNotAPair,
    RemoveField,
    AddField,
    ReplaceEntry,
    RenameTensor,
    DeleteTensor,
    CopyTensor,
    Metadata,
    ReplaceRoot,
    DuplicateKey,
    DeepNesting,
}

/// <summary>One edit of the JSON header: what, on which tensor (index modulo the count), with which operands.</summary>
internal readonly record struct JsonEdit(JsonEditKind Kind, int Tensor, int A, int B)
{
    public static readonly Gen<JsonEdit> Gen = CsCheck.Gen.Select(
        CsCheck.Gen.Enum<JsonEditKind>(), CsCheck.Gen.Int[0, 63], CsCheck.Gen.Int[0, 1023], CsCheck.Gen.Int[0, int.MaxValue],
        (kind, tensor, a, b) => new JsonEdit(kind, tensor, a, b));
}

/// <summary>A tensor of a generated file: its name and shape (the values are a fixed pattern).</summary>
internal sealed record TensorSpec(string Name, int[] Shape)
{
    public static readonly Gen<TensorSpec> Gen = CsCheck.Gen.Select(
        CsCheck.Gen.Int[0, 9], CsCheck.Gen.Int[0, 4].Array[0, 4],
        (name, shape) => new TensorSpec($"t{name}", shape));

    public override string ToString() => $"{Name}[{string.Join(",", Shape)}]";
}

/// <summary>
/// One generated safetensors case: a valid file (a <see cref="ModelZoo"/> model saved by <see cref="ModelFile.Save"/>, or a
/// few small tensors saved by <see cref="SafeTensors.Write"/>), then header JSON edits, byte mutations of the header text,
/// a padding choice, possibly a wrong 8-byte header length, and byte mutations of the whole file.
/// </summary>
internal sealed record SafeTensorsCase(
    string? Architecture, TensorSpec[] Tensors, JsonEdit[] Edits, ByteMutation[] HeaderMutations, int Padding,
    ulong? LengthPrefix, ByteMutation[] Mutations)
{
    private static readonly string[] DtypeLiterals =
        ["\"F32\"", "\"F16\"", "\"BF16\"", "\"F64\"", "\"I32\"", "\"I64\"", "\"U8\"", "\"BOOL\"", "\"f32\"", "\" F32\"", "\"\"", "32", "null", "[\"F32\"]", "{}"];

    private static readonly string[] DimLiterals =
    [
        "0", "1", "2", "3", "4", "5", "10", "-1", "-0", "2147483647", "2147483648", "4294967296", "9007199254740993",
        "18446744073709551616", "99999999999999999999", "1e3", "1.5", "3.0", "\"3\"", "null", "[]", "true", "46340", "46341", "65536",
    ];

    // {D} is the data section's length, {B} and {E} another tensor's begin and end.
    private static readonly string[] OffsetLiterals =
    [
        "0", "4", "8", "12", "16", "24", "{D}", "{D+4}", "{D-4}", "{D+1}", "{B}", "{E}", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "18446744073709551616", "1e20", "-1", "-0", "4.0", "null", "\"8\"", "[]",
    ];

    private static readonly string[] NotAnEntry = ["1", "\"x\"", "[]", "null", "true", "{}", "[[0,4]]"];

    private static readonly string[] KeyLiterals =
        ["\"\"", "\"__metadata__\"", "\"conv1.weight\"", "\"fc2.bias\"", "\"t0\"", "\"t1\"", "\"\\u00fc\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"dtype\""];

    private static readonly string[] MetadataLiterals =
    [
        "\"lenet\"", "\"mnist-cnn\"", "\"LENET\"", "\"\"", "\"unknown\"", "\"\\ud800\"", "5", "null", "[]", "{\"a\":\"b\"}", "true",
    ];

    private static readonly ulong[] LengthPrefixes = [0, 1, 7, 8, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, SafeTensors.MaxHeaderLength, SafeTensors.MaxHeaderLength + 1, long.MaxValue, 1UL << 63, ulong.MaxValue];

    public static readonly Gen<SafeTensorsCase> Gen = CsCheck.Gen.Select(
        CsCheck.Gen.Frequency((12, CsCheck.Gen.Const<string?>((string?)null)), (6, CsCheck.Gen.Const<string?>(ModelZoo.LeNet)), (1, CsCheck.Gen.Const<string?>(ModelZoo.MnistCnn))),
        TensorSpec.Gen.Array[0, 4],
        CsCheck.Gen.Frequency((1, CsCheck.Gen.Const(Array.Empty<JsonEdit>())), (4, JsonEdit.Gen.Array[1, 3])),
        CsCheck.Gen.Frequency((6, CsCheck.Gen.Const(Array.Empty<ByteMutation>())), (1, ByteMutation.Gen.Array[1, 2])),
        CsCheck.Gen.Frequency((8, CsCheck.Gen.Const(0)), (1, CsCheck.Gen.Const(1)), (1, CsCheck.Gen.Const(2))),
        CsCheck.Gen.Frequency(
            (12, CsCheck.Gen.Const<ulong?>((ulong?)null)),
            (1, CsCheck.Gen.OneOf(LengthPrefixes).Select(v => (ulong?)v)),
            (1, CsCheck.Gen.Int[-9, 9].Select(d => (ulong?)(ulong)(long)(d + 1_000_000_000)))),  // relative to the real length, see Build
        CsCheck.Gen.Frequency((3, CsCheck.Gen.Const(Array.Empty<ByteMutation>())), (1, ByteMutation.Gen.Array[1, 3])),
        (architecture, tensors, edits, headerMutations, padding, prefix, mutations) =>
            new SafeTensorsCase(architecture, tensors, edits, headerMutations, padding, prefix, mutations));

    private static readonly Dictionary<string, byte[]> ModelFiles = [];

    public bool IsIntact => Edits.Length == 0 && HeaderMutations.Length == 0 && Padding == 0 && LengthPrefix is null && Mutations.Length == 0;

    public override string ToString() =>
        $"{Architecture ?? $"tensors [{string.Join(", ", Tensors.DistinctBy(t => t.Name))}]"}, edits [{string.Join(", ", Edits)}], " +
        $"header mutations [{string.Join(", ", HeaderMutations)}], padding {Padding}, length {LengthPrefix?.ToString() ?? "true"}, mutations [{string.Join(", ", Mutations)}]";

    /// <summary>The valid file before any damage.</summary>
    public byte[] Original(TempDirectory temp)
    {
        if (Architecture is not null)
        {
            lock (ModelFiles)
            {
                if (!ModelFiles.TryGetValue(Architecture, out byte[]? model))
                {
                    string modelPath = temp.File($"{Architecture}.safetensors");
                    ModelFile.Save(modelPath, ModelZoo.Create(Architecture), Architecture);
                    ModelFiles[Architecture] = model = File.ReadAllBytes(modelPath);
                }

                return model;
            }
        }

        // Built in memory as SafeTensors.Write lays it out (metadata, tensors back to back, spaces to a multiple of 8):
        // writing through SafeTensors.Write would cost an fsync per case.
        var json = new ArrayBufferWriter<byte>();
        var data = new List<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (Tensors.Length % 2 == 0)
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                writer.WriteString("note", "fuzz");
                writer.WriteEndObject();
            }

            foreach (TensorSpec spec in Tensors.DistinctBy(t => t.Name))
            {
                int length = spec.Shape.Aggregate(1, (product, d) => product * d);
                writer.WriteStartObject(spec.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                spec.Shape.ToList().ForEach(writer.WriteNumberValue);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(data.Count);
                writer.WriteNumberValue(data.Count + 4 * length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                for (int i = 0; i < length; i++)
                {
                    data.AddRange(BitConverter.GetBytes(i * 0.5f - 1));
                }
            }

            writer.WriteEndObject();
        }

        int padded = (json.WrittenCount + 7) / 8 * 8;
        byte[] file = [.. new byte[8], .. json.WrittenSpan, .. Enumerable.Repeat((byte)' ', padded - json.WrittenCount), .. data];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        return file;
    }

    /// <summary>The damaged file.</summary>
    public byte[] Build(byte[] original)
    {
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(original);
        string json = Encoding.UTF8.GetString(original, 8, (int)headerLength).TrimEnd(' ');
        byte[] data = original[(8 + (int)headerLength)..];

        if (Edits.Length > 0)
        {
            json = Edit(json, data.Length);
        }

        byte[] header = ByteMutation.ApplyAll(Encoding.UTF8.GetBytes(json), HeaderMutations);
        int padded = Padding == 1 ? header.Length : (header.Length + 7) / 8 * 8;
        byte[] paddedHeader = [.. header, .. Enumerable.Repeat(Padding == 2 ? (byte)0 : (byte)' ', padded - header.Length)];

        byte[] file = [.. new byte[8], .. paddedHeader, .. data];
        ulong prefix = LengthPrefix switch
        {
            null => (ulong)paddedHeader.Length,
            >= 999_999_990 and <= 1_000_000_010 => (ulong)(paddedHeader.Length + (long)LengthPrefix.Value - 1_000_000_000),
            _ => LengthPrefix.Value,
        };
        BinaryPrimitives.WriteUInt64LittleEndian(file, prefix);
        return ByteMutation.ApplyAll(file, Mutations);
    }

    // Edits the header through JsonObject; raw literals (huge numbers, duplicates, lone surrogates) go in as
    // placeholder strings "@@i@@" and are substituted in the text afterwards.
    private string Edit(string json, int dataLength)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var literals = new List<string>();
        string Raw(string literal)
        {
            literals.Add(literal);
            return $"@@{literals.Count - 1}@@";
        }

        string? replacedRoot = null;
        foreach (JsonEdit edit in Edits)
        {
            string[] names = root.Select(p => p.Key).Where(k => k != SafeTensorsHeader.MetadataKey).ToArray();
            string? name = names.Length == 0 ? null : names[edit.Tensor % names.Length];
            JsonObject? entry = name is null ? null : root[name] as JsonObject;
            string Pick(string[] pool, int index) => pool[(int)((uint)index % (uint)pool.Length)];
            string Offset(int index)
            {
                string literal = Pick(OffsetLiterals, index);
                JsonObject? other = names.Length == 0 ? null : root[names[(edit.Tensor + 1) % names.Length]] as JsonObject;
                JsonArray? otherOffsets = other?["data_offsets"] as JsonArray;
                string otherBegin = otherOffsets?.Count == 2 ? otherOffsets[0]?.ToJsonString() ?? "0" : "0";
                string otherEnd = otherOffsets?.Count == 2 ? otherOffsets[1]?.ToJsonString() ?? "0" : "0";
                return literal.Replace("{D}", $"{dataLength}").Replace("{D+4}", $"{dataLength + 4}").Replace("{D-4}", $"{dataLength - 4}")
                    .Replace("{D+1}", $"{dataLength + 1}").Replace("{B}", otherBegin).Replace("{E}", otherEnd);
            }

            switch (edit.Kind)
            {
                case JsonEditKind.Dtype when entry is not null:
                    entry["dtype"] = Raw(Pick(DtypeLiterals, edit.A));
                    break;
                case JsonEditKind.Shape when entry is not null:
                    int rank = edit.A % 6;
                    entry["shape"] = Raw("[" + string.Join(",", Enumerable.Range(0, rank).Select(i => Pick(DimLiterals, edit.B >> (5 * i)))) + "]");
                    break;
                case JsonEditKind.Offsets when entry is not null:
                    entry["data_offsets"] = Raw($"[{Offset(edit.A)},{Offset(edit.B)}]");
                    break;
                case JsonEditKind.OffsetsNotAPair when entry is not null:
                    entry["data_offsets"] = Raw(Pick(["[0]", "[0,4,8]", "\"0,4\"", "{}", "[]", "null", "[[0,4]]"], edit.A));
                    break;
                case JsonEditKind.RemoveField when entry is not null:
                    entry.Remove(Pick(["dtype", "shape", "data_offsets"], edit.A));
                    break;
                case JsonEditKind.AddField when entry is not null:
                    entry[Pick(["extra", "Dtype", "offsets"], edit.A)] = Raw(Pick(NotAnEntry, edit.B));
                    break;
                case JsonEditKind.ReplaceEntry when name is not null:
                    root[name] = Raw(Pick(NotAnEntry, edit.A));
                    break;
                case JsonEditKind.RenameTensor when name is not null:
                    JsonNode? moved = root[name];
                    root.Remove(name);
                    root[Raw(Pick(KeyLiterals, edit.A)) + "#key"] = moved?.DeepClone();
                    break;
                case JsonEditKind.DeleteTensor when name is not null:
                    root.Remove(name);
                    break;
                case JsonEditKind.CopyTensor when entry is not null:
                    root[$"copy{edit.A}"] = entry.DeepClone();
                    break;
                case JsonEditKind.Metadata:
                    var metadata = root[SafeTensorsHeader.MetadataKey] as JsonObject;
                    switch (edit.A % 5)
                    {
                        case 0:
                            metadata?.Remove(ModelFile.ArchitectureKey);
                            break;
                        case 1 when metadata is not null:
                            metadata[ModelFile.ArchitectureKey] = Raw(Pick(MetadataLiterals, edit.B));
                            break;
                        case 2:
                            root[SafeTensorsHeader.MetadataKey] = Raw(Pick(MetadataLiterals, edit.B));
                            break;
                        case 3:
                            root.Remove(SafeTensorsHeader.MetadataKey);
                            break;
                        default:
                            root[SafeTensorsHeader.MetadataKey] = Raw("{\"architecture\":\"lenet\",\"architecture\":\"mnist-cnn\"}");
                            break;
                    }

                    break;
                case JsonEditKind.ReplaceRoot:
                    replacedRoot = Pick(["[]", "1", "\"x\"", "null", "{}", "[{}]"], edit.A);
                    break;
                case JsonEditKind.DuplicateKey when entry is not null:
                    if (edit.A % 2 == 0)
                    {
                        root[Raw($"\"{name}\"") + "#key"] = entry.DeepClone();  // the same tensor twice
                    }
                    else
                    {
                        entry[Raw("\"dtype\"") + "#key"] = "F32";  // a field twice
                    }

                    break;
                case JsonEditKind.DeepNesting when entry is not null:
                    int depth = 1 + (edit.A % 3) * 100;
                    entry[Pick(["shape", "data_offsets", "dtype"], edit.B)] = Raw(new string('[', depth) + new string(']', depth));
                    break;
            }
        }

        string text = replacedRoot ?? root.ToJsonString();
        for (int i = literals.Count - 1; i >= 0; i--)
        {
            text = text.Replace($"\"@@{i}@@#key\"", literals[i]).Replace($"\"@@{i}@@\"", literals[i]);
        }

        return text;
    }
}
