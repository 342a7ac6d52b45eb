using MiniNetFgsm.Layers;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Serialization;

/// <summary>
/// Model files: a safetensors file holding a <see cref="ModelZoo"/> network's parameters under their PyTorch
/// <c>state_dict</c> names and shapes (<c>conv1.weight</c> [10, 1, 5, 5], ...), with <c>__metadata__</c>
/// <c>{"architecture": "lenet"}</c>. PyTorch loads them with <c>model.load_state_dict(safetensors.torch.load_file(path))</c>.
/// </summary>
public static class ModelFile
{
    /// <summary>The metadata key naming the architecture.</summary>
    public const string ArchitectureKey = "architecture";

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
    /// with <paramref name="metadata"/> (string values, such as <see cref="TrainingHistory.ToMetadata"/>) beside the architecture.
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

        SafeTensors.Write(
            path,
            actual.Select(p => (p.Name, p.Value)).ToList(),
            new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [ArchitectureKey] = architecture });
    }

    /// <summary>
    /// Loads a model file: builds <c>__metadata__.architecture</c> with <see cref="ModelZoo.Create"/> and fills every parameter from the file.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not valid safetensors (see <see cref="SafeTensors.Read"/>), has no known architecture, lacks a parameter,
    /// has one with the wrong shape, has tensors the architecture does not know (a checkpoint's training-state tensors
    /// aside), or holds a NaN or infinite weight (the message names the tensor and the first such element). The message
    /// starts with the path.
    /// </exception>
    public static LoadedModel Load(string path)
    {
        SafeTensorsFile file = SafeTensors.Read(path);
        if (!file.Metadata.TryGetValue(ArchitectureKey, out string? architecture))
        {
            throw FileError.Invalid(path, $"__metadata__ has no '{ArchitectureKey}' entry, so the model is unknown; known architectures: {Known}.");
        }

        if (!ModelZoo.Architectures.Contains(architecture))
        {
            throw FileError.Invalid(path, $"unknown architecture '{architecture}'; known architectures: {Known}.");
        }

        Sequential model = ModelZoo.Create(architecture);
        foreach (Parameter parameter in model.Parameters)
        {
            if (!file.TryGetTensor(parameter.Name, out Tensor? tensor))
            {
                throw FileError.Invalid(path, $"tensor '{parameter.Name}' is missing (architecture '{architecture}' needs it with shape {parameter.Value.ShapeText}).");
            }

            if (!tensor.HasShape(parameter.Value.Shape))
            {
                throw FileError.Invalid(path, $"tensor '{parameter.Name}' has shape {tensor.ShapeText}, but architecture '{architecture}' needs {parameter.Value.ShapeText}.");
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
            throw FileError.Invalid(path, $"unknown tensor(s) for architecture '{architecture}': {string.Join(", ", unknown.Select(n => $"'{n}'"))}.");
        }

        foreach (Parameter parameter in model.Parameters)
        {
            file[parameter.Name].Span.CopyTo(parameter.Value.Span);
        }

        return new LoadedModel(architecture, model, file.Metadata);
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
