using System.Numerics.Tensors;
using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Models;

/// <summary>
/// Data parallelism: one copy of the model per thread, all sharing the master's weights, each with its own
/// activations, gradients and dropout generator. A batch is cut into one slice per replica; every replica runs
/// forward and backward on its slice on its own thread, single-threaded inside, so the threads meet once per
/// batch instead of once per kernel. This is what keeps two cores busy on a model as small as LeNet.
/// </summary>
/// <remarks>
/// Gradients are combined in replica order (replica 0 is the master itself), so results are deterministic for a
/// given thread count. Models not built by <see cref="ModelZoo"/> cannot be replicated and run with one replica,
/// using the threads inside each kernel instead.
/// </remarks>
public sealed class ModelReplicas : IDisposable
{
    private readonly Sequential[] replicas;
    private readonly WorkerTeam team;
    private readonly int masterThreads;
    private int reducing;       // the parameter ReduceRange works on

    /// <summary>Creates up to <paramref name="threads"/> replicas of <paramref name="master"/> (which is replica 0).</summary>
    public ModelReplicas(Sequential master, int threads, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Master = master;
        masterThreads = master.Threads;
        int count = master.Architecture is null ? 1 : threads;
        replicas = new Sequential[count];
        replicas[0] = master;
        master.Threads = count == 1 ? threads : 1;
        for (int r = 1; r < count; r++)
        {
            // Replica r's dropout masks come from its own seed; its weights are the master's tensors.
            Sequential replica = ModelZoo.Create(master.Architecture!, unchecked(seed * 7919 + r));
            for (int k = 0; k < replica.Parameters.Count; k++)
            {
                replica.Parameters[k].ShareValue(master.Parameters[k].Value);
            }

            replica.Threads = 1;
            replicas[r] = replica;
        }

        team = new WorkerTeam(count);
    }

    /// <summary>The model whose weights every replica shares.</summary>
    public Sequential Master { get; }

    /// <summary>Number of replicas (threads that work on a batch).</summary>
    public int Count => replicas.Length;

    /// <summary>Replica <paramref name="index"/>; 0 is the master.</summary>
    public Sequential this[int index] => replicas[index];

    /// <summary>The slice [start, start + count) of a batch of <paramref name="total"/> that replica <paramref name="index"/> takes.</summary>
    public (int Start, int Count) Slice(int index, int total)
    {
        int start = (int)((long)total * index / replicas.Length), end = (int)((long)total * (index + 1) / replicas.Length);
        return (start, end - start);
    }

    /// <summary>
    /// Runs <paramref name="work"/>(replica index) for every replica, each on its own thread: replica 0 on the caller's,
    /// replica r on the same worker thread at every call.
    /// </summary>
    public void Run(Action<int> work) => team.Run(work);

    /// <summary>
    /// Master gradient += every other replica's gradient, in replica order; zeroes nothing. Each element's sum runs in
    /// that order whatever the thread count, so large tensors are cut into one range per replica thread.
    /// </summary>
    public void ReduceGradients()
    {
        if (replicas.Length == 1)
        {
            return;
        }

        for (int k = 0; k < Master.Parameters.Count; k++)
        {
            reducing = k;
            int n = Master.Parameters[k].Gradient.Length;
            Parallelism.ForRanges(n, n >= 1 << 15 ? replicas.Length : 1, this, static (self, first, last) => self.ReduceRange(first, last));
        }
    }

    private void ReduceRange(int first, int last)
    {
        Span<float> total = Master.Parameters[reducing].Gradient.Span[first..last];
        for (int r = 1; r < replicas.Length; r++)
        {
            TensorPrimitives.Add(total, replicas[r].Parameters[reducing].Gradient.Span[first..last], total);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/>(replica, batch) for batches 0..<paramref name="batches"/>−1, replica r taking
    /// batches r, r + Count, r + 2·Count, …: a fixed assignment, so per-replica results are deterministic.
    /// </summary>
    public void RunBatches(int batches, Action<int, int> work) => Run(r =>
    {
        for (int b = r; b < batches; b += replicas.Length)
        {
            work(r, b);
        }
    });

    /// <summary>Stops the worker threads and restores the master's own thread setting.</summary>
    public void Dispose()
    {
        team.Dispose();
        Master.Threads = masterThreads;
    }
}
