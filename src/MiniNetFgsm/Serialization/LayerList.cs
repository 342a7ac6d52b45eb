using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Serialization;

/// <summary>
/// A <see cref="Sequential"/>'s layers as JSON, the <c>layers</c> entry of a model file's <c>__metadata__</c>: one object per
/// layer, in order, with its name, its type and its constructor arguments, so that <see cref="Build"/> makes the same
/// network again (with fresh parameters, which the file's tensors then fill). For LeNet's first layers:
/// <code>
/// [{"name":"conv1","type":"Conv2d","in_channels":1,"out_channels":10,"kernel_size":[5,5],"stride":1,"padding":0,"bias":true},
///  {"name":"pool1","type":"MaxPool2d","kernel_size":2,"stride":2}, {"name":"relu1","type":"ReLU"},
///  {"name":"drop1","type":"Dropout","p":0.5}, {"name":"flatten","type":"Flatten"},
///  {"name":"fc1","type":"Dense","in_features":320,"out_features":50}, ...]
/// </code>
/// The argument names are PyTorch's (<c>torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias)</c>).
/// </summary>
public static class LayerList
{
    /// <summary>The layer types a list can hold: every layer of <c>MiniNetFgsm.Layers</c>.</summary>
    public static IReadOnlyList<string> Types { get; } = [nameof(Conv2d), nameof(MaxPool2d), nameof(ReLU), nameof(Dense), nameof(Dropout), nameof(Flatten)];

    /// <summary>The layers of <paramref name="model"/> as a compact JSON array.</summary>
    /// <exception cref="ArgumentException">A layer is not one of <see cref="Types"/> (a layer class of one's own).</exception>
    public static string ToJson(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var list = new JsonArray();
        foreach ((string name, Layer layer) in model.Layers)
        {
            var entry = new JsonObject { ["name"] = name, ["type"] = layer.GetType().Name };
            switch (layer)
            {
                case Conv2d c:
                    entry["in_channels"] = c.InChannels;
                    entry["out_channels"] = c.OutChannels;
                    entry["kernel_size"] = new JsonArray(c.KernelHeight, c.KernelWidth);
                    entry["stride"] = c.Stride;
                    entry["padding"] = c.Padding;
                    entry["bias"] = c.Bias is not null;
                    break;
                case MaxPool2d p:
                    entry["kernel_size"] = p.KernelSize;
                    entry["stride"] = p.Stride;
                    break;
                case Dense d:
                    entry["in_features"] = d.InFeatures;
                    entry["out_features"] = d.OutFeatures;
                    break;
                case Dropout d:
                    entry["p"] = d.P;
                    break;
                case ReLU or Flatten:
                    break;
                default:
                    throw new ArgumentException(
                        $"Layer '{name}' is a {layer.GetType().Name}, which a model file cannot describe; the known layer types are {string.Join(", ", Types)}.", nameof(model));
            }

            list.Add(entry);
        }

        return list.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>
    /// Builds the network <paramref name="json"/> describes (<see cref="Sequential.Architecture"/> null), its parameters
    /// initialised with <see cref="Sequential.Initialize"/>(<paramref name="seed"/>), which also seeds its dropout layers.
    /// </summary>
    /// <exception cref="InvalidDataException">The text is not such a list: not JSON, not an array of objects, an unknown type,
    /// a missing or invalid argument, or a repeated name. The message names the layer.</exception>
    public static Sequential Build(string json, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the layer list is not valid JSON ({e.Message})", e);
        }

        if (root is not JsonArray entries || entries.Count == 0)
        {
            throw new InvalidDataException("the layer list is not a non-empty JSON array of layers");
        }

        var model = new Sequential();
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not JsonObject entry)
            {
                throw new InvalidDataException($"layer {i} of the layer list is not a JSON object");
            }

            string name = Text(entry, "name", i);
            string type = Text(entry, "type", i);
            try
            {
                Layer layer = type switch
                {
                    nameof(Conv2d) => Conv(entry),
                    nameof(MaxPool2d) => new MaxPool2d(Integer(entry, "kernel_size"), Integer(entry, "stride")),
                    nameof(ReLU) => new ReLU(),
                    nameof(Dense) => new Dense(Integer(entry, "in_features"), Integer(entry, "out_features")),
                    nameof(Dropout) => new Dropout(Number(entry, "p")),
                    nameof(Flatten) => new Flatten(),
                    _ => throw new InvalidDataException($"unknown type '{type}'; known types: {string.Join(", ", Types)}"),
                };
                model.Add(name, layer);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"layer {i} ('{name}') of the layer list: {e.Message}", e);
            }
        }

        model.Initialize(seed);
        return model;
    }

    private static Conv2d Conv(JsonObject entry)
    {
        if (entry["kernel_size"] is not JsonArray { Count: 2 } kernel)
        {
            throw new InvalidDataException("kernel_size must be [height, width]");
        }

        return new Conv2d(
            Integer(entry, "in_channels"), Integer(entry, "out_channels"), kernel[0]!.GetValue<int>(), kernel[1]!.GetValue<int>(),
            Integer(entry, "stride"), Integer(entry, "padding"), entry["bias"]?.GetValue<bool>() ?? throw Missing("bias"));
    }

    private static string Text(JsonObject entry, string key, int index)
        => entry[key] is JsonValue value && value.TryGetValue(out string? text) && text.Length > 0
            ? text
            : throw new InvalidDataException($"layer {index} of the layer list has no '{key}' string");

    private static int Integer(JsonObject entry, string key) => entry[key]?.GetValue<int>() ?? throw Missing(key);

    private static double Number(JsonObject entry, string key) => entry[key]?.GetValue<double>() ?? throw Missing(key);

    private static InvalidDataException Missing(string key) => new($"'{key}' is missing");
}
