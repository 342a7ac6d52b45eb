namespace MiniNetFgsm.Bench.Infrastructure;

/// <summary>Deterministic inputs for benchmarks (fixed seeds, so every run measures the same numbers).</summary>
public static class BenchData
{
    /// <summary>An array of <paramref name="length"/> values uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static float[] Uniform(int length, int seed, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = low + (high - low) * random.NextSingle();
        }

        return values;
    }

    /// <summary>A tensor of the given shape filled uniformly in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor UniformTensor(int seed, float low, float high, params int[] shape)
    {
        var tensor = new Tensor(shape);
        Uniform(tensor.Length, seed, low, high).CopyTo(tensor.Data, 0);
        return tensor;
    }

    /// <summary>A batch of MNIST-sized images, (N, 1, 28, 28) pixels in [0, 1).</summary>
    public static Tensor Images(int batch, int seed) => UniformTensor(seed, 0f, 1f, batch, 1, 28, 28);

    /// <summary><paramref name="count"/> labels uniform in [0, 10).</summary>
    public static int[] Labels(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(10)).ToArray();
    }
}
