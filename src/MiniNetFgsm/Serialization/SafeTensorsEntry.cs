namespace MiniNetFgsm.Serialization;

/// <summary>
/// One validated tensor entry of a safetensors header: the tensor's name, its shape, and its bytes
/// [<paramref name="Begin"/>, <paramref name="End"/>) relative to the start of the data section (always F32).
/// </summary>
internal readonly record struct SafeTensorsEntry(string Name, int[] Shape, long Begin, long End)
{
    /// <summary>The number of bytes the tensor occupies.</summary>
    public long ByteLength => End - Begin;
}
