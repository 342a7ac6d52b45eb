using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Models;

/// <summary>
/// The two MNIST architectures, layer for layer the same as their PyTorch references so that weights
/// move between the two (parameter names and shapes are PyTorch's <c>state_dict</c>). Inputs are
/// (N, 1, 28, 28) pixels in [0, 1], with no normalisation outside the model; outputs are 10 logits.
/// </summary>
public static class ModelZoo
{
    /// <summary>The PyTorch FGSM tutorial's LeNet.</summary>
    public const string LeNet = "lenet";

    /// <summary>The pytorch/examples MNIST network.</summary>
    public const string MnistCnn = "mnist-cnn";

    /// <summary>Every architecture name <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Architectures { get; } = [LeNet, MnistCnn];

    /// <summary>Builds the named architecture, initialised as PyTorch would (see <see cref="Sequential.Initialize"/>).</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Architectures"/>.</exception>
    public static Sequential Create(string architecture, int seed = 1)
    {
        Sequential model = architecture switch
        {
            LeNet => CreateLeNet(),
            MnistCnn => CreateMnistCnn(),
            _ => throw new ArgumentException($"Unknown model '{architecture}'; expected one of: {string.Join(", ", Architectures)}.", nameof(architecture)),
        };
        model.Initialize(seed);
        return model;
    }

    /// <summary>
    /// conv1 1→10 k5 (28→24); maxpool 2 (→12); ReLU; conv2 10→20 k5 (→8); dropout 0.5; maxpool 2 (→4); ReLU;
    /// flatten (320); fc1 320→50; ReLU; dropout 0.5; fc2 50→10.
    /// </summary>
    private static Sequential CreateLeNet() => new Sequential { Architecture = LeNet }
        .Add("conv1", new Conv2d(1, 10, 5))
        .Add("pool1", new MaxPool2d(2))
        .Add("relu1", new ReLU())
        .Add("conv2", new Conv2d(10, 20, 5))
        .Add("drop1", new Dropout(0.5))
        .Add("pool2", new MaxPool2d(2))
        .Add("relu2", new ReLU())
        .Add("flatten", new Flatten())
        .Add("fc1", new Dense(320, 50))
        .Add("relu3", new ReLU())
        .Add("drop2", new Dropout(0.5))
        .Add("fc2", new Dense(50, 10));

    /// <summary>
    /// conv1 1→32 k3 (28→26); ReLU; conv2 32→64 k3 (→24); maxpool 2 (→12); ReLU; dropout 0.25;
    /// flatten (9216); fc1 9216→128; ReLU; dropout 0.5; fc2 128→10.
    /// </summary>
    /// <remarks>
    /// PyTorch's example applies the second ReLU before the max-pool; here the pool comes first, which computes the same
    /// function bit for bit, gradients included, on a quarter of the values: max(relu(a), relu(b)) = relu(max(a, b)) since
    /// ReLU is monotone, and in backward a window whose maximum is not positive passes 0 either way, while one whose
    /// maximum is positive has the same first maximum before and after the ReLU. (The PyTorch fixture tests compare
    /// logits, loss and input gradient.)
    /// </remarks>
    private static Sequential CreateMnistCnn() => new Sequential { Architecture = MnistCnn }
        .Add("conv1", new Conv2d(1, 32, 3))
        .Add("relu1", new ReLU())
        .Add("conv2", new Conv2d(32, 64, 3))
        .Add("pool1", new MaxPool2d(2))
        .Add("relu2", new ReLU())
        .Add("drop1", new Dropout(0.25))
        .Add("flatten", new Flatten())
        .Add("fc1", new Dense(9216, 128))
        .Add("relu3", new ReLU())
        .Add("drop2", new Dropout(0.5))
        .Add("fc2", new Dense(128, 10));
}
