using System.Text.Json;
using System.Text.Unicode;

namespace MiniNetFgsm.Serialization;

/// <summary>
/// Parses and validates the JSON header of a safetensors file:
/// <code>{"__metadata__": {"key": "value", ...}, "name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...}</code>
/// Every check runs in header order and the first failure throws an <see cref="InvalidDataException"/> naming the file,
/// the tensor and the problem. After this succeeds every entry is an F32 tensor whose bytes lie inside the data section,
/// are exactly product(shape)·4 long, and overlap no other tensor.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The reserved header key holding the string→string metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    private SafeTensorsHeader(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<SafeTensorsEntry> entries)
    {
        Metadata = metadata;
        Entries = entries;
    }

    /// <summary>The <c>__metadata__</c> map (empty when absent or null).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor entries in header order.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>Parses <paramref name="utf8Json"/>, checking every entry against a data section of <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="InvalidDataException">The first problem found, as <c>{path}: {problem}</c>.</exception>
    public static SafeTensorsHeader Parse(ReadOnlyMemory<byte> utf8Json, long dataLength, string path)
    {
        if (!Utf8.IsValid(utf8Json.Span))
        {
            throw FileError.Invalid(path, "header is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException e)
        {
            throw FileError.Invalid(path, $"header is not valid JSON: {e.Message}");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw FileError.Invalid(path, $"header must be a JSON object, not {Describe(root)}.");
            }

            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            var entries = new List<SafeTensorsEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                string name = NameOf(property, "the header", path);
                if (!seen.Add(name))
                {
                    throw FileError.Invalid(path, $"'{name}' appears more than once in the header.");
                }

                if (name == MetadataKey)
                {
                    metadata = ParseMetadata(property.Value, path);
                }
                else
                {
                    entries.Add(ParseEntry(name, property.Value, dataLength, path));
                }
            }

            CheckNoOverlap(entries, path);
            return new SafeTensorsHeader(metadata, entries);
        }
    }

    /// <summary><c>__metadata__</c> must be an object whose values are all strings (null means none).</summary>
    private static Dictionary<string, string> ParseMetadata(JsonElement value, string path)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind == JsonValueKind.Null)
        {
            return metadata;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw FileError.Invalid(path, $"{MetadataKey} must be an object of strings, not {Describe(value)}.");
        }

        foreach (JsonProperty property in value.EnumerateObject())
        {
            string key = NameOf(property, MetadataKey, path);
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw FileError.Invalid(path, $"{MetadataKey} value for '{key}' must be a string, not {Describe(property.Value)}.");
            }

            if (!metadata.TryAdd(key, StringOf(property.Value, $"{MetadataKey} value for '{key}'", path)))
            {
                throw FileError.Invalid(path, $"{MetadataKey} key '{key}' appears more than once.");
            }
        }

        return metadata;
    }

    /// <summary>Checks one tensor entry: fields and their JSON types, dtype, shape, data_offsets, bounds, byte length.</summary>
    private static SafeTensorsEntry ParseEntry(string name, JsonElement value, long dataLength, string path)
    {
        string tensor = $"tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw FileError.Invalid(path, $"{tensor} must be a JSON object with dtype, shape and data_offsets, not {Describe(value)}.");
        }

        JsonElement dtypeElement = RequiredField(value, "dtype", tensor, path);
        JsonElement shapeElement = RequiredField(value, "shape", tensor, path);
        JsonElement offsetsElement = RequiredField(value, "data_offsets", tensor, path);

        if (dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw FileError.Invalid(path, $"{tensor}: dtype must be a string, not {Describe(dtypeElement)}.");
        }

        string dtype = StringOf(dtypeElement, $"{tensor}: dtype", path);
        if (dtype != "F32")
        {
            throw FileError.Invalid(path, $"{tensor} has dtype {dtype}; only F32 is supported.");
        }

        int[] shape = ParseShape(shapeElement, tensor, path);
        long elements = 1;
        foreach (int d in shape)
        {
            elements *= d;  // cannot overflow: ParseShape bounds the product by Array.MaxLength
        }

        (ulong begin, ulong end) = ParseOffsets(offsetsElement, tensor, path);
        if (end > (ulong)dataLength)
        {
            throw FileError.Invalid(path, $"{tensor} ends at byte {offsetsElement[1].GetRawText()} but the data section has only {dataLength} bytes.");
        }

        ulong needed = (ulong)elements * sizeof(float);
        if (end - begin != needed)
        {
            throw FileError.Invalid(path, $"{tensor} has {end - begin} bytes (data_offsets [{begin}, {end}]) but shape {ShapeText(shape)} of F32 needs {needed}.");
        }

        return new SafeTensorsEntry(name, shape, (long)begin, (long)end);  // end ≤ dataLength, so both fit a long
    }

    private static JsonElement RequiredField(JsonElement entry, string field, string tensor, string path)
    {
        JsonElement? found = null;
        foreach (JsonProperty property in entry.EnumerateObject())
        {
            if (property.NameEquals(field))
            {
                if (found is not null)
                {
                    throw FileError.Invalid(path, $"{tensor} has {field} more than once.");
                }

                found = property.Value;
            }
        }

        return found ?? throw FileError.Invalid(path, $"{tensor} is missing {field}.");
    }

    /// <summary>
    /// A shape is an array of non-negative integers. Each dimension must fit an <see cref="int"/> and the element count
    /// must fit a .NET array (<see cref="Array.MaxLength"/>); a product beyond that is reported as an overflow. The running
    /// product must stay within that limit too, even when a later dimension is 0, since <see cref="Tensor"/> checks it so.
    /// </summary>
    private static int[] ParseShape(JsonElement element, string tensor, string path)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw FileError.Invalid(path, $"{tensor}: shape must be an array of integers, not {Describe(element)}.");
        }

        string text = element.GetRawText();
        var shape = new int[element.GetArrayLength()];
        bool hasZero = false;
        int i = 0;
        foreach (JsonElement dimension in element.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !IsIntegerLiteral(dimension.GetRawText()))
            {
                throw FileError.Invalid(path, $"{tensor}: shape must be an array of integers, but element {i} is {Describe(dimension)}.");
            }

            string literal = dimension.GetRawText();
            if (literal.StartsWith('-') && literal.AsSpan(1).ContainsAnyExcept('0'))
            {
                throw FileError.Invalid(path, $"{tensor} has a negative dimension in shape {text}.");
            }

            if (!dimension.TryGetInt32(out int d))
            {
                throw FileError.Invalid(path, $"{tensor} has shape {text}, whose dimension {literal} overflows (at most {int.MaxValue}).");
            }

            hasZero |= d == 0;
            shape[i++] = d;
        }

        // Multiplied in order, as Tensor does: an empty tensor whose other dimensions multiply past the limit before its 0
        // (e.g. [65536, 65536, 0]) cannot be built either.
        long elements = 1;
        foreach (int d in shape)
        {
            elements *= d;  // both factors ≤ int.MaxValue and elements ≤ Array.MaxLength before this step: no long overflow
            if (elements > Array.MaxLength)
            {
                throw FileError.Invalid(path, hasZero
                    ? $"{tensor} has shape {text}, whose dimensions before the 0 multiply past {Array.MaxLength}, more than a tensor can hold."
                    : $"{tensor} has shape {text}, whose element count overflows (at most {Array.MaxLength} elements are supported).");
            }
        }

        return shape;
    }

    /// <summary>data_offsets is exactly [begin, end], two non-negative integers with begin ≤ end.</summary>
    private static (ulong Begin, ulong End) ParseOffsets(JsonElement element, string tensor, string path)
    {
        string problem = $"{tensor}: data_offsets must be [begin, end], two non-negative integers, not {element.GetRawText()}.";
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != 2)
        {
            throw FileError.Invalid(path, problem);
        }

        var offsets = new ulong[2];
        for (int i = 0; i < 2; i++)
        {
            JsonElement offset = element[i];
            if (offset.ValueKind != JsonValueKind.Number || !IsIntegerLiteral(offset.GetRawText()) || offset.GetRawText().StartsWith('-'))
            {
                throw FileError.Invalid(path, problem);
            }

            // An integer beyond u64 lies beyond any data section; clamp it so the bounds check reports it.
            offsets[i] = offset.TryGetUInt64(out ulong value) ? value : ulong.MaxValue;
        }

        if (offsets[0] > offsets[1])
        {
            throw FileError.Invalid(path, $"{tensor} has data_offsets {element.GetRawText()} with begin > end.");
        }

        return (offsets[0], offsets[1]);
    }

    /// <summary>Sorted by begin, each non-empty tensor must start at or after the end of the previous non-empty one.</summary>
    private static void CheckNoOverlap(List<SafeTensorsEntry> entries, string path)
    {
        SafeTensorsEntry[] sorted = entries.Where(e => e.ByteLength > 0).OrderBy(e => e.Begin).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            SafeTensorsEntry previous = sorted[i - 1], current = sorted[i];
            if (current.Begin < previous.End)
            {
                throw FileError.Invalid(path,
                    $"tensors '{previous.Name}' (bytes [{previous.Begin}, {previous.End})) and '{current.Name}' (bytes [{current.Begin}, {current.End})) overlap.");
            }
        }
    }

    // JSON lets a string escape an unpaired surrogate ("\ud800"), which System.Text.Json parses but cannot turn into a
    // .NET string (it throws InvalidOperationException): a key or value like that is a corrupt header, not a crash.
    private static string NameOf(JsonProperty property, string where, string path)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw FileError.Invalid(path, $"a key in {where} is not valid Unicode (it escapes an unpaired surrogate such as \\ud800).");
        }
    }

    private static string StringOf(JsonElement element, string what, string path)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw FileError.Invalid(path, $"{what} is not valid Unicode (it escapes an unpaired surrogate such as \\ud800).");
        }
    }

    /// <summary>True for a JSON number written as an integer (optional '-', digits only; no fraction or exponent).</summary>
    private static bool IsIntegerLiteral(string literal)
    {
        ReadOnlySpan<char> digits = literal.StartsWith('-') ? literal.AsSpan(1) : literal;
        return digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9');
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {element.GetRawText()}",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString(),
    };

    internal static string ShapeText(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
