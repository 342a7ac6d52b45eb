namespace MiniNetFgsm.Layers;

/// <summary>
/// A chain of layers, y = f_L(… f_2(f_1(x))). Backward runs the chain rule in reverse and returns
/// dL/dx, the gradient at the input pixels that FGSM needs, as well as accumulating every parameter's gradient.
/// Parameters are named <c>{layer}.{weight|bias}</c>, PyTorch's <c>state_dict</c> keys.
/// </summary>
public sealed class Sequential
{
    private readonly List<(string Name, Layer Layer)> layers = [];
    private readonly List<Parameter> parameters = [];
    private int threads = 1;

    /// <summary>The <see cref="Models.ModelZoo"/> architecture this model was built as, or null for a hand-built model.</summary>
    public string? Architecture { get; init; }

    /// <summary>The layers with their names, in order.</summary>
    public IReadOnlyList<(string Name, Layer Layer)> Layers => layers;

    /// <summary>Every parameter in layer order (weight before bias).</summary>
    public IReadOnlyList<Parameter> Parameters => parameters;

    /// <summary>Worker threads for every layer. The same thread count always gives bit-identical results.</summary>
    public int Threads
    {
        get => threads;
        set
        {
            threads = Math.Max(1, value);
            foreach (var (_, layer) in layers)
            {
                layer.Threads = threads;
            }
        }
    }

    /// <summary>Appends <paramref name="layer"/> under <paramref name="name"/> (unique); returns this model for chaining.</summary>
    public Sequential Add(string name, Layer layer)
    {
        if (layers.Any(l => l.Name == name))
        {
            throw new ArgumentException($"A layer named '{name}' already exists.", nameof(name));
        }

        layer.Threads = threads;
        layers.Add((name, layer));
        foreach (Parameter p in layer.Parameters)
        {
            p.Name = $"{name}.{p.Name}";
            parameters.Add(p);
        }

        return this;
    }

    /// <summary>The parameter with the given full name, e.g. <c>conv1.weight</c>.</summary>
    public Parameter GetParameter(string name)
        => parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"No parameter named '{name}'.");

    /// <summary>The output shape for an input shape.</summary>
    public int[] OutputShape(int[] inputShape)
    {
        foreach (var (_, layer) in layers)
        {
            inputShape = layer.OutputShape(inputShape);
        }

        return inputShape;
    }

    /// <summary>Forward through every layer. The result is a buffer owned by the last layer.</summary>
    public Tensor Forward(Tensor x, bool training)
    {
        foreach (var (_, layer) in layers)
        {
            x = layer.Forward(x, training);
        }

        return x;
    }

    /// <summary>
    /// Forward in evaluation mode for the outputs only (predictions, accuracy), through every layer's
    /// <see cref="Layer.Infer"/>: use <see cref="Forward"/> when a backward pass will follow, as in an attack. The two
    /// agree to rounding (for mnist-cnn, logits within about 1e-6 of each other), so a prediction whose two best logits
    /// are closer than that could differ between them.
    /// </summary>
    public Tensor Infer(Tensor x)
    {
        foreach (var (_, layer) in layers)
        {
            x = layer.Infer(x);
        }

        return x;
    }

    /// <summary>
    /// Backward through every layer in reverse: accumulates parameter gradients and returns dL/d(input)
    /// (null when <paramref name="needInputGradient"/> is false, which skips the first layer's input gradient).
    /// With <paramref name="needParameterGradients"/> false only dL/dx is computed (what an attack needs).
    /// </summary>
    public Tensor? Backward(Tensor outputGradient, bool needInputGradient = true, bool needParameterGradients = true)
    {
        Tensor? gradient = outputGradient;
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            gradient = layers[i].Layer.Backward(gradient!, needInputGradient || i > 0, needParameterGradients);
        }

        return gradient;
    }

    /// <summary>Sets every parameter gradient to zero (once per optimisation step).</summary>
    public void ZeroGradients()
    {
        foreach (Parameter p in parameters)
        {
            p.Gradient.Clear();
        }
    }

    /// <summary>
    /// PyTorch's default initialisation for Conv2d and Linear: weight and bias ~ U(−1/√fan_in, 1/√fan_in)
    /// (kaiming_uniform with a = √5), drawn in parameter order from a generator seeded by <paramref name="seed"/>.
    /// Dropout layers are reseeded from the same generator.
    /// </summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        foreach (var (_, layer) in layers)
        {
            if (layer is Dropout dropout)
            {
                dropout.Reseed(random.Next());
                continue;
            }

            IReadOnlyList<Parameter> ps = layer.Parameters;
            if (ps.Count == 0)
            {
                continue;
            }

            int[] weightShape = ps[0].Value.Shape;
            int fanIn = weightShape.Skip(1).Aggregate(1, (a, b) => a * b);
            float bound = 1f / MathF.Sqrt(fanIn);
            foreach (Parameter p in ps)
            {
                Span<float> values = p.Value.Span;
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (2f * random.NextSingle() - 1f) * bound;
                }
            }
        }
    }
}
