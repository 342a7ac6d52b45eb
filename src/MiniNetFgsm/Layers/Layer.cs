namespace MiniNetFgsm.Layers;

/// <summary>
/// A network layer with a hand-written forward and backward pass. A layer caches what its backward pass
/// needs from the last forward pass and owns its output buffers, which are reused while the batch shape stays the same.
/// </summary>
public abstract class Layer
{
    /// <summary>Worker threads the layer's kernels may use.</summary>
    public int Threads { get; set; } = 1;

    /// <summary>The trainable parameters (empty for layers without any).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Computes the output for <paramref name="input"/>. <paramref name="training"/> switches dropout on.</summary>
    /// <returns>A buffer owned by the layer, valid until the next call.</returns>
    public abstract Tensor Forward(Tensor input, bool training);

    /// <summary>
    /// Forward in evaluation mode when only the output is wanted, not a gradient through it: a layer may then take a
    /// faster path whose rounding differs (<see cref="Conv2d"/>: Winograd for 3×3 kernels). A backward pass after it still
    /// works, but ties that the exact path would break as PyTorch does (in a max-pool after it) may fall differently.
    /// </summary>
    /// <returns>A buffer owned by the layer, valid until the next call.</returns>
    public virtual Tensor Infer(Tensor input) => Forward(input, training: false);

    /// <summary>
    /// Given dL/d(output) of the last forward pass, accumulates dL/d(parameters) into the gradients (unless
    /// <paramref name="needParameterGradients"/> is false, as for an attack, which only needs dL/dx) and
    /// returns dL/d(input) (a buffer owned by the layer), or null when <paramref name="needInputGradient"/> is false.
    /// </summary>
    public abstract Tensor? Backward(Tensor outputGradient, bool needInputGradient = true, bool needParameterGradients = true);

    /// <summary>The output shape for an input shape (used to size buffers and check models).</summary>
    public abstract int[] OutputShape(int[] inputShape);

    /// <summary>Throws a clear error if a backward pass comes before any forward pass.</summary>
    protected static T Cached<T>(T? value, string layer) where T : class
        => value ?? throw new InvalidOperationException($"{layer}.Backward called before Forward.");
}
