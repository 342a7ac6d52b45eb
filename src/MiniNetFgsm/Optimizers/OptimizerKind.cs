namespace MiniNetFgsm.Optimizers;

/// <summary>Which update rule <see cref="Optimizer.Create"/> builds; the CLI spells them <c>sgd</c> and <c>adam</c>.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with momentum 0.9 (<see cref="Optimizers.Sgd"/>).</summary>
    Sgd,

    /// <summary>Adam with PyTorch's defaults (<see cref="Optimizers.Adam"/>).</summary>
    Adam,
}
