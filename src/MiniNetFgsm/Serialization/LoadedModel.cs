using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Serialization;

/// <summary>A model read by <see cref="ModelFile.Load(string)"/>: its architecture name, the network with the file's weights, and the file's metadata.</summary>
public sealed class LoadedModel
{
    internal LoadedModel(string architecture, Sequential model, IReadOnlyDictionary<string, string> metadata)
    {
        Architecture = architecture;
        Model = model;
        Metadata = metadata;
    }

    /// <summary>The architecture, one of <see cref="Models.ModelZoo.Architectures"/>, or <see cref="ModelFile.CustomArchitecture"/>
    /// for a network rebuilt from the file's <see cref="LayerList"/>.</summary>
    public string Architecture { get; }

    /// <summary>The network built by <see cref="Models.ModelZoo.Create"/> (or from the layer list) with every parameter replaced by the file's values.</summary>
    public Sequential Model { get; }

    /// <summary>All of the file's <c>__metadata__</c> (including <c>architecture</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}
