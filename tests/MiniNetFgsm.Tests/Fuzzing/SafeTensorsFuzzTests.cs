using MiniNetFgsm.Models;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Fuzzing;

/// <summary>
/// Property-based fuzzing of <see cref="SafeTensors.Read"/> and <see cref="ModelFile.Load"/> with mutated files (see
/// <see cref="SafeTensorsCase"/>): each case loads or throws <see cref="InvalidDataException"/> starting with the path,
/// without hanging, allocating at most <see cref="AllocationFactor"/> times the file's size plus 1 MiB (plus, for
/// <see cref="ModelFile.Load"/>, what building the empty model costs). A loaded model has only finite weights.
/// See <see cref="Fuzz"/> for the budget, the seed and replaying.
/// </summary>
public sealed class SafeTensorsFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int AllocationFactor = 8;
    private const long FixedAllocation = 1 << 20;

    private static readonly Dictionary<string, long> ModelCost = [];

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Read_MutatedSafeTensors_LoadOrThrowInvalidDataNamingTheFile()
    {
        Tally tally = Fuzz.Run(nameof(Read_MutatedSafeTensors_LoadOrThrowInvalidDataNamingTheFile), SafeTensorsCase.Gen, Check, output, ciBudget: 2500);

        Assert.True(tally.Loaded + tally.Rejected > 0, "no fuzz case was checked");
    }

    private Outcome Check(SafeTensorsCase fuzzCase)
    {
        byte[] original = fuzzCase.Original(temp);
        byte[] bytes = fuzzCase.Build(original);
        string path = temp.Write("fuzz.safetensors", bytes);
        long bound = AllocationFactor * bytes.LongLength + FixedAllocation;

        SafeTensorsFile? file = null;
        Outcome read = Fuzz.Load(() => file = SafeTensors.Read(path), $"{path}: ", bound);
        if (fuzzCase.IsIntact && !read.Loaded)
        {
            throw new FuzzFailure($"an intact file was rejected: {read.Rejection}");
        }

        if (file is null)
        {
            return read;
        }

        foreach ((string name, Tensor tensor) in file.Tensors)
        {
            if (tensor.Length != tensor.Shape.Aggregate(1L, (product, d) => product * d))
            {
                throw new FuzzFailure($"tensor '{name}' has {tensor.Length} values for shape {tensor.ShapeText}");
            }
        }

        // Whatever SafeTensors.Read accepts goes on to ModelFile.Load, which builds the model the metadata names.
        LoadedModel? model = null;
        long modelCost = file.Metadata.TryGetValue(ModelFile.ArchitectureKey, out string? architecture) && ModelZoo.Architectures.Contains(architecture)
            ? CostOfCreating(architecture)
            : 0;
        Outcome load = Fuzz.Load(() => model = ModelFile.Load(path), $"{path}: ", bound + 2 * modelCost);
        if (fuzzCase.IsIntact && fuzzCase.Architecture is not null && !load.Loaded)
        {
            throw new FuzzFailure($"an intact model was rejected: {load.Rejection}");
        }

        if (model is not null && model.Model.Parameters.Any(p => p.Value.Span.ContainsAnyExceptInRange(float.MinValue, float.MaxValue)))
        {
            throw new FuzzFailure("a model with a NaN or infinite weight was loaded");
        }

        // A file that names no model is fuzzing SafeTensors.Read alone: ModelFile.Load's "no architecture" says nothing new.
        return architecture is null ? read : read.Then(load);
    }

    // What ModelZoo.Create allocates for an architecture (parameters, gradients, layer buffers): not the file's doing.
    private static long CostOfCreating(string architecture)
    {
        lock (ModelCost)
        {
            if (!ModelCost.TryGetValue(architecture, out long cost))
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                ModelZoo.Create(architecture);
                ModelCost[architecture] = cost = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            return cost;
        }
    }
}
