namespace MiniNetFgsm.Layers;

/// <summary>A trainable tensor and its gradient, under a stable name such as <c>conv1.weight</c> (PyTorch's <c>state_dict</c> key).</summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter with a zeroed value and gradient of the given shape.</summary>
    public Parameter(string name, params int[] shape)
    {
        Name = name;
        Value = new Tensor(shape);
        Gradient = new Tensor(shape);
    }

    /// <summary>The name, e.g. <c>weight</c> inside a layer; <see cref="Sequential"/> prefixes the layer name (<c>conv1.weight</c>).</summary>
    public string Name { get; internal set; }

    /// <summary>The current value.</summary>
    public Tensor Value { get; private set; }

    /// <summary>Makes this parameter use <paramref name="value"/> (same shape) as its value: replicas of a model share weights this way.</summary>
    internal void ShareValue(Tensor value)
    {
        if (!value.HasShape(Value.Shape))
        {
            throw new ArgumentException($"Cannot share {Name}: shape {value.ShapeText} differs from {Value.ShapeText}.");
        }

        Value = value;
    }

    /// <summary>dL/dValue, accumulated by backward passes until <see cref="Sequential.ZeroGradients"/>.</summary>
    public Tensor Gradient { get; }
}
