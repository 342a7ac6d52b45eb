using System.Diagnostics.CodeAnalysis;

namespace MiniNetFgsm.Serialization;

/// <summary>The content of a safetensors file read by <see cref="SafeTensors.Read"/>: its metadata and its named float32 tensors.</summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, Tensor> byName;

    internal SafeTensorsFile(string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        Path = path;
        Metadata = metadata;
        Tensors = tensors;
        byName = tensors.ToDictionary(t => t.Name, t => t.Tensor, StringComparer.Ordinal);
    }

    /// <summary>The path the file was read from, as given to <see cref="SafeTensors.Read"/>.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in the order of the header.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Tensors { get; }

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public Tensor this[string name]
        => byName.TryGetValue(name, out Tensor? tensor) ? tensor : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");

    /// <summary>Looks up the tensor named <paramref name="name"/>; false when the file has none.</summary>
    public bool TryGetTensor(string name, [NotNullWhen(true)] out Tensor? tensor) => byName.TryGetValue(name, out tensor);
}
