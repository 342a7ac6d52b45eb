using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Serialization;

/// <summary>
/// Model files: a safetensors file holding a network's parameters under their PyTorch <c>state_dict</c> names and shapes
/// (<c>conv1.weight</c> [10, 1, 5, 5], ...), with <c>__metadata__</c> <c>{"architecture": "lenet", "layers": "[...]"}</c>:
/// the <see cref="ModelZoo"/> name for a built-in network, and for any <see cref="Sequential"/> of the library's layers its
/// <see cref="LayerList"/> (JSON), from which loading rebuilds it. PyTorch loads the weights with
/// <c>model.load_state_dict(safetensors.torch.load_file(path))</c>; a file PyTorch saved without metadata loads here when
/// its architecture is named (<see cref="Load(string, string?)"/>).
/// </summary>
public static class ModelFile
{
    /// <summary>The metadata key naming the architecture.</summary>
    public const string ArchitectureKey = "architecture";

    /// <summary>The metadata key holding the <see cref="LayerList"/> JSON.</summary>
    public const string LayersKey = "layers";

    /// <summary>What <see cref="LoadedModel.Architecture"/> says for a network rebuilt from its layer list rather than by name.</summary>
    public const string CustomArchitecture = "custom";

    /// <summary>
    /// The metadata key of a training checkpoint's state (<c>Training.TrainingCheckpoint</c>). A file that has it may also
    /// hold tensors named <see cref="OptimizerStatePrefix"/>… and <see cref="BestWeightsPrefix"/>…, which loading a model ignores.
    /// </summary>
    public const string CheckpointKey = "checkpoint";

    /// <summary>Prefix of a checkpoint's optimizer tensors (<c>optimizer.conv1.weight.m</c>).</summary>
    public const string OptimizerStatePrefix = "optimizer.";

    /// <summary>Prefix of a checkpoint's copy of the most robust epoch's weights (<c>best.conv1.weight</c>).</summary>
    public const string BestWeightsPrefix = "best.";

    /// <summary>
    /// Saves <paramref name="model"/>'s parameters to <paramref name="path"/> (atomically, see <see cref="SafeTensors.Write"/>),
    /// with <paramref name="metadata"/> (string values, such as <see cref="TrainingHistory.ToMetadata"/>) beside the architecture
    /// and the layer list.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="architecture"/> is unknown, or <paramref name="model"/>'s parameters are not exactly that architecture's.
    /// Nothing is written in that case.
    /// </exception>
    public static void Save(string path, Sequential model, string architecture, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(architecture);
        if (!ModelZoo.Architectures.Contains(architecture))
        {
            throw new ArgumentException($"Unknown architecture '{architecture}'; known architectures: {Known}.", nameof(architecture));
        }

        IReadOnlyList<Parameter> expected = ModelZoo.Create(architecture).Parameters;
        IReadOnlyList<Parameter> actual = model.Parameters;
        bool matches = expected.Count == actual.Count
            && expected.Zip(actual).All(pair => pair.First.Name == pair.Second.Name && pair.First.Value.HasShape(pair.Second.Value.Shape));
        if (!matches)
        {
            throw new ArgumentException(
                $"The model's parameters ({Describe(actual)}) are not those of architecture '{architecture}' ({Describe(expected)}).", nameof(model));
        }

        Write(path, model, architecture, metadata);
    }

    /// <summary>
    /// Saves any <paramref name="model"/> built from the library's layers: its parameters, its <see cref="LayerList"/> (so that
    /// <see cref="Load(string)"/> rebuilds it) and, when it was built by <see cref="ModelZoo.Create"/>, its architecture name.
    /// </summary>
    /// <exception cref="ArgumentException">A layer is not one of <see cref="LayerList.Types"/>. Nothing is written in that case.</exception>
    public static void Save(string path, Sequential model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Architecture is { } architecture)
        {
            Save(path, model, architecture, metadata);
        }
        else
        {
            Write(path, model, architecture: null, metadata);
        }
    }

    /// <summary>
    /// Loads a model file: builds <c>__metadata__.architecture</c> with <see cref="ModelZoo.Create"/>, or else rebuilds
    /// <c>__metadata__.layers</c> with <see cref="LayerList.Build"/>, and fills every parameter from the file.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not valid safetensors (see <see cref="SafeTensors.Read"/>), names no known architecture and holds no valid
    /// layer list, lacks a parameter, has one with the wrong shape, has tensors the network does not know (a checkpoint's
    /// training-state tensors aside), or holds a NaN or infinite weight (the message names the tensor and the first such
    /// element). The message starts with the path.
    /// </exception>
    public static LoadedModel Load(string path) => Load(path, architecture: null);

    /// <summary>
    /// As <see cref="Load(string)"/>, for files that may carry no metadata (PyTorch's <c>save_file(model.state_dict(), path)</c>):
    /// <paramref name="architecture"/>, one of <see cref="ModelZoo.Architectures"/>, is the network to build when the file
    /// names none and has no layer list; null to require the file to say. A file that names a different architecture is an error.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="architecture"/> is not null and not a known architecture.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory.</exception>
    /// <exception cref="InvalidDataException">As for <see cref="Load(string)"/>, or the file names another architecture than <paramref name="architecture"/>.</exception>
    public static LoadedModel Load(string path, string? architecture)
    {
        if (architecture is not null && !ModelZoo.Architectures.Contains(architecture))
        {
            throw new ArgumentException($"Unknown architecture '{architecture}'; known architectures: {Known}.", nameof(architecture));
        }

        SafeTensorsFile file = SafeTensors.Read(path);
        file.Metadata.TryGetValue(ArchitectureKey, out string? named);
        file.Metadata.TryGetValue(LayersKey, out string? layers);
        if (named is not null && architecture is not null && named != architecture)
        {
            throw FileError.Invalid(path, $"the file's architecture is '{named}', not '{architecture}'.");
        }

        named ??= layers is null ? architecture : null;
        Sequential model;
        string described;
        if (named is not null)
        {
            if (!ModelZoo.Architectures.Contains(named))
            {
                throw FileError.Invalid(path, $"unknown architecture '{named}'; known architectures: {Known}.");
            }

            model = ModelZoo.Create(named);
            described = $"architecture '{named}'";
        }
        else if (layers is not null)
        {
            try
            {
                model = LayerList.Build(layers);
            }
            catch (InvalidDataException e)
            {
                throw FileError.Invalid(path, e.Message + ".");
            }

            described = "the file's layer list";
        }
        else
        {
            throw FileError.Invalid(path,
                $"__metadata__ has no '{ArchitectureKey}' entry and no '{LayersKey}' list, so the model is unknown; known architectures: {Known} "
                + "(name one when loading a file saved without metadata: ModelFile.Load(path, architecture), mininet --architecture NAME).");
        }

        foreach (Parameter parameter in model.Parameters)
        {
            if (!file.TryGetTensor(parameter.Name, out Tensor? tensor))
            {
                throw FileError.Invalid(path, $"tensor '{parameter.Name}' is missing ({described} needs it with shape {parameter.Value.ShapeText}).");
            }

            if (!tensor.HasShape(parameter.Value.Shape))
            {
                throw FileError.Invalid(path, $"tensor '{parameter.Name}' has shape {tensor.ShapeText}, but {described} needs {parameter.Value.ShapeText}.");
            }

            // A NaN or infinite weight makes every prediction meaningless (a NaN logit argmaxes to class 0), so it is a
            // broken file, not a model to evaluate.
            int bad = IndexOfNonFinite(tensor.Span);
            if (bad >= 0)
            {
                throw FileError.Invalid(path, $"tensor '{parameter.Name}' holds {tensor.Span[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)} at element {bad} of {tensor.Length}; a model's weights must all be finite.");
            }
        }

        var known = model.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        bool checkpoint = file.Metadata.ContainsKey(CheckpointKey);
        string[] unknown = file.Tensors.Select(t => t.Name)
            .Where(name => !known.Contains(name) && !(checkpoint && (name.StartsWith(OptimizerStatePrefix, StringComparison.Ordinal) || name.StartsWith(BestWeightsPrefix, StringComparison.Ordinal))))
            .ToArray();
        if (unknown.Length > 0)
        {
            throw FileError.Invalid(path, $"unknown tensor(s) for {described}: {string.Join(", ", unknown.Select(n => $"'{n}'"))}.");
        }

        foreach (Parameter parameter in model.Parameters)
        {
            file[parameter.Name].Span.CopyTo(parameter.Value.Span);
        }

        return new LoadedModel(named ?? CustomArchitecture, model, file.Metadata);
    }

    /// <summary>Writes the parameters with the layer list and, for a built-in network, its name (metadata given by the caller first, so ours win).</summary>
    private static void Write(string path, Sequential model, string? architecture, IReadOnlyDictionary<string, string>? metadata)
    {
        var entries = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [LayersKey] = LayerList.ToJson(model) };
        if (architecture is not null)
        {
            entries[ArchitectureKey] = architecture;
        }

        SafeTensors.Write(path, model.Parameters.Select(p => (p.Name, p.Value)).ToList(), entries);
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Known => string.Join(", ", ModelZoo.Architectures);

    private static string Describe(IReadOnlyList<Parameter> parameters)
        => string.Join(", ", parameters.Select(p => $"{p.Name} {p.Value.ShapeText}"));
}
