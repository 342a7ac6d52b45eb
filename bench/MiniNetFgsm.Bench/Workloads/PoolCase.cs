using MiniNetFgsm.Bench.Infrastructure;

namespace MiniNetFgsm.Bench.Workloads;

/// <summary>A K×K, stride-K max pool on x (N, C, H, W), forward or backward.</summary>
/// <param name="Name">Which layer, e.g. <c>cnn.pool1</c>.</param>
/// <param name="Batch">N.</param>
/// <param name="Channels">C.</param>
/// <param name="Size">H = W.</param>
/// <param name="Kernel">K (also the stride).</param>
/// <param name="Pass">Forward or backward.</param>
public sealed record PoolCase(string Name, int Batch, int Channels, int Size, int Kernel, Pass Pass) : IWorkload
{
    /// <summary>OH = OW.</summary>
    public int OutputSize => (Size - Kernel) / Kernel + 1;

    /// <summary>
    /// Operations rather than FLOPs proper: forward does K² comparisons per output, backward one add per output.
    /// Pooling is memory-bound, so read this column as "elements touched per ns".
    /// </summary>
    public long Flops
    {
        get
        {
            long outputs = (long)Batch * Channels * OutputSize * OutputSize;
            return Pass == Pass.Forward ? outputs * Kernel * Kernel : outputs;
        }
    }

    /// <summary>Every max pool of both models at batch 64, forward and backward.</summary>
    public static IEnumerable<PoolCase> All { get; } =
        from layer in new[]
        {
            (Name: "lenet.pool1", Channels: 10, Size: 24),
            (Name: "lenet.pool2", Channels: 20, Size: 8),
            (Name: "cnn.pool1", Channels: 64, Size: 24),
        }
        from pass in new[] { Pass.Forward, Pass.Backward }
        select new PoolCase(layer.Name, 64, layer.Channels, layer.Size, 2, pass);

    /// <summary>E.g. <c>cnn.pool1.fwd x(64,64,24,24) k2</c>.</summary>
    public override string ToString()
        => $"{Name}.{(Pass == Pass.Forward ? "fwd" : "bwd")} x({Batch},{Channels},{Size},{Size}) k{Kernel}";
}
