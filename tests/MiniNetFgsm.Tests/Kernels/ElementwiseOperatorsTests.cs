using System.Runtime.Intrinsics;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

/// <summary>
/// The operator structs on their own (each vector Invoke against the scalar Invoke, lane by lane, bit for bit) and the
/// shared loops of <see cref="ElementwiseLoop"/> (every element written once, nothing outside the span touched,
/// in-place use), at every width this CPU accelerates.
/// </summary>
public class ElementwiseOperatorsTests
{
    /// <summary>Every length up to 64 (every tail of every width) and large odd and prime ones.</summary>
    public static readonly int[] Lengths = [.. Enumerable.Range(0, 65), 97, 127, 1000, 1021, 4099];

    private static readonly float[] Specials =
    [
        0f, -0f, 1f, -1f, 0.5f, 1f - 5.96e-8f, 1e-8f, float.Epsilon, -float.Epsilon, 1e-30f, 3f, -2f,
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue,
    ];

    /// <summary>Every vector width; those this CPU does not accelerate are reported Skipped.</summary>
    public static IEnumerable<TheoryDataRow<SimdWidth>> VectorWidths() => SimdWidths.Vectors();

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void ReluBackwardOperator_EveryLaneOfEveryEdgeInput_MatchesScalarInvoke(SimdWidth width)
    {
        (float[] x, float[] y, _) = EdgePairs();

        AssertBinaryLanesMatchScalar(default(ReluBackwardOperator), width, x, y);
    }

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void FgsmStepOperator_EveryLaneOfEveryEdgeInput_MatchesScalarInvoke(SimdWidth width)
    {
        (float[] x, float[] y, _) = EdgePairs();

        foreach (float eps in new[] { 0f, 0.1f, 1f, float.Epsilon })
        {
            AssertBinaryLanesMatchScalar(new FgsmStepOperator(eps), width, x, y);
        }
    }

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void ProjectedStepOperator_EveryLaneOfEveryEdgeInput_MatchesScalarInvoke(SimdWidth width)
    {
        (float[] x, float[] y, float[] z) = EdgePairs();

        foreach ((float alpha, float eps) in new[] { (0f, 0f), (0.01f, 0.1f), (0.5f, 0.1f), (1f, 1f) })
        {
            var op = new ProjectedStepOperator(alpha, eps);
            float[] expected = [.. x.Select((_, i) => op.Invoke(x[i], y[i], z[i]))];

            float[] actual = InvokeByVectors(width, x.Length, (start, count) => Lanes(width, op, x, y, z, start, count));

            AssertBitsEqual(expected, actual, $"{nameof(ProjectedStepOperator)}({alpha}, {eps}) at {width}");
        }
    }

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void AdamUpdateOperator_EveryLaneOfEveryEdgeInput_MatchesScalarInvoke(SimdWidth width)
    {
        (float[] theta, float[] m, float[] g) = EdgePairs();
        float[] v = [.. m.Select(Math.Abs)];
        foreach (float weightDecay in new[] { 0f, 0.01f })
        {
            var op = new AdamUpdateOperator(new AdamStep(0.9f, 0.999f, 1e-8f, weightDecay, 1e-2f, MathF.Sqrt(1f - 0.999f)));
            (float[] t1, float[] m1, float[] v1) = ((float[])theta.Clone(), (float[])m.Clone(), (float[])v.Clone());
            for (int i = 0; i < theta.Length; i++)
            {
                op.Invoke(ref t1[i], ref m1[i], ref v1[i], g[i]);
            }

            (float[] t2, float[] m2, float[] v2) = ((float[])theta.Clone(), (float[])m.Clone(), (float[])v.Clone());
            int lanes = (int)width / 32;
            for (int i = 0; i < theta.Length; i += lanes)
            {
                InvokeAdamLanes(width, op, t2, m2, v2, g, i);
            }

            AssertBitsEqual(t1, t2, $"θ, weight decay {weightDecay}, {width}", anyNaN: true);
            AssertBitsEqual(m1, m2, $"m, weight decay {weightDecay}, {width}", anyNaN: true);
            AssertBitsEqual(v1, v2, $"v, weight decay {weightDecay}, {width}", anyNaN: true);
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void BinaryLoop_EveryLength_WritesEachElementOnceAndNothingOutside(SimdWidth width)
    {
        var random = new Random(51);
        foreach (int length in Lengths)
        {
            float[] x = TestData.Uniform(random, length), y = TestData.Uniform(random, length);
            float[] result = Guarded(length);

            ElementwiseLoop.Binary(width, new Difference(), x, y, result.AsSpan(Guard, length));

            AssertGuardsIntact(result, length);
            AssertBitsEqual([.. x.Select((_, i) => x[i] - y[i])], result[Guard..(Guard + length)], $"length {length}, {width}");
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void TernaryLoop_EveryLength_WritesEachElementOnceAndNothingOutside(SimdWidth width)
    {
        var random = new Random(52);
        foreach (int length in Lengths)
        {
            float[] x = TestData.Uniform(random, length), y = TestData.Uniform(random, length), z = TestData.Uniform(random, length);
            float[] result = Guarded(length);

            ElementwiseLoop.Ternary(width, new DifferenceTimes(), x, y, z, result.AsSpan(Guard, length));

            AssertGuardsIntact(result, length);
            AssertBitsEqual([.. x.Select((_, i) => (x[i] - y[i]) * z[i])], result[Guard..(Guard + length)], $"length {length}, {width}");
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void InPlaceUpdate3Loop_EveryLength_UpdatesEachElementOnceAndNothingOutside(SimdWidth width)
    {
        var random = new Random(53);
        foreach (int length in Lengths)
        {
            float[] a0 = TestData.Uniform(random, length), b0 = TestData.Uniform(random, length), c0 = TestData.Uniform(random, length);
            float[] x = TestData.Uniform(random, length);
            float[] a = Guarded(length), b = Guarded(length), c = Guarded(length);
            a0.CopyTo(a, Guard);
            b0.CopyTo(b, Guard);
            c0.CopyTo(c, Guard);

            ElementwiseLoop.InPlaceUpdate3(width, new Rotate(), a.AsSpan(Guard, length), b.AsSpan(Guard, length), c.AsSpan(Guard, length), x);

            foreach (float[] state in new[] { a, b, c })
            {
                AssertGuardsIntact(state, length);
            }

            // Rotate: (a, b, c) ← (b + x, c, a); running it once, not twice, leaves exactly this.
            AssertBitsEqual([.. b0.Select((_, i) => b0[i] + x[i])], a[Guard..(Guard + length)], $"a, length {length}, {width}");
            AssertBitsEqual(c0, b[Guard..(Guard + length)], $"b, length {length}, {width}");
            AssertBitsEqual(a0, c[Guard..(Guard + length)], $"c, length {length}, {width}");
        }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Widths), MemberType = typeof(GemmTests))]
    public void BinaryAndTernaryLoops_OutputIsAnInput_UpdateInPlace(SimdWidth width)
    {
        var random = new Random(54);
        foreach (int length in Lengths)
        {
            float[] x = TestData.Uniform(random, length), y = TestData.Uniform(random, length), z = TestData.Uniform(random, length);
            float[] expectedBinary = [.. x.Select((_, i) => x[i] - y[i])];
            float[] expectedTernary = [.. x.Select((_, i) => (x[i] - y[i]) * z[i])];
            (float[] inPlaceBinary, float[] inPlaceTernary) = ((float[])y.Clone(), (float[])y.Clone());

            ElementwiseLoop.Binary(width, new Difference(), x, inPlaceBinary, inPlaceBinary);
            ElementwiseLoop.Ternary(width, new DifferenceTimes(), x, inPlaceTernary, z, inPlaceTernary);

            AssertBitsEqual(expectedBinary, inPlaceBinary, $"binary, length {length}, {width}");
            AssertBitsEqual(expectedTernary, inPlaceTernary, $"ternary, length {length}, {width}");
        }
    }

    [Fact]
    public void Loops_MismatchedLengths_Throw()
    {
        float[] three = new float[3], two = new float[2];

        Assert.Throws<ArgumentException>(() => ElementwiseLoop.Binary(SimdWidth.Scalar, new Difference(), three, two, three));
        Assert.Throws<ArgumentException>(() => ElementwiseLoop.Binary(Simd.Width, new Difference(), three, three, two));
        Assert.Throws<ArgumentException>(() => ElementwiseLoop.Ternary(Simd.Width, new DifferenceTimes(), three, three, two, three));
        Assert.Throws<ArgumentException>(() => ElementwiseLoop.InPlaceUpdate3(Simd.Width, new Rotate(), three, three, three, two));
    }

    private const int Guard = 17;   // more than one 512-bit vector of sentinels on each side

    private static float[] Guarded(int length) => Enumerable.Repeat(-12345f, Guard + length + Guard).ToArray();

    private static void AssertGuardsIntact(float[] buffer, int length)
    {
        Assert.All(buffer[..Guard], value => Assert.Equal(-12345f, value));
        Assert.All(buffer[(Guard + length)..], value => Assert.Equal(-12345f, value));
    }

    /// <summary>Every pair of specials (x from <see cref="Specials"/>, y from it too), then a third column shifted by one,
    /// padded to a multiple of 16 with random values so every width runs whole vectors.</summary>
    private static (float[] X, float[] Y, float[] Z) EdgePairs()
    {
        var random = new Random(55);
        int pairs = Specials.Length * Specials.Length, length = (pairs + 15) / 16 * 16;
        float[] x = TestData.Uniform(random, length), y = TestData.Uniform(random, length), z = TestData.Uniform(random, length);
        for (int k = 0; k < pairs; k++)
        {
            x[k] = Specials[k / Specials.Length];
            y[k] = Specials[k % Specials.Length];
            z[k] = Specials[(k + 1) % Specials.Length];
        }

        return (x, y, z);
    }

    private static void AssertBinaryLanesMatchScalar<TOp>(TOp op, SimdWidth width, float[] x, float[] y)
        where TOp : struct, IBinaryOperator
    {
        float[] expected = [.. x.Select((_, i) => op.Invoke(x[i], y[i]))];

        float[] actual = InvokeByVectors(width, x.Length, (start, count) => width switch
        {
            SimdWidth.V128 => ToArray(op.Invoke(Vector128.Create(x.AsSpan(start)), Vector128.Create(y.AsSpan(start)))),
            SimdWidth.V256 => ToArray(op.Invoke(Vector256.Create(x.AsSpan(start)), Vector256.Create(y.AsSpan(start)))),
            _ => ToArray(op.Invoke(Vector512.Create(x.AsSpan(start)), Vector512.Create(y.AsSpan(start)))),
        });

        AssertBitsEqual(expected, actual, $"{typeof(TOp).Name} at {width}");
    }

    private static float[] Lanes(SimdWidth width, ProjectedStepOperator op, float[] x, float[] y, float[] z, int start, int count) => width switch
    {
        SimdWidth.V128 => ToArray(op.Invoke(Vector128.Create(x.AsSpan(start)), Vector128.Create(y.AsSpan(start)), Vector128.Create(z.AsSpan(start)))),
        SimdWidth.V256 => ToArray(op.Invoke(Vector256.Create(x.AsSpan(start)), Vector256.Create(y.AsSpan(start)), Vector256.Create(z.AsSpan(start)))),
        _ => ToArray(op.Invoke(Vector512.Create(x.AsSpan(start)), Vector512.Create(y.AsSpan(start)), Vector512.Create(z.AsSpan(start)))),
    };

    private static void InvokeAdamLanes(SimdWidth width, AdamUpdateOperator op, float[] t, float[] m, float[] v, float[] g, int i)
    {
        switch (width)
        {
            case SimdWidth.V128:
                (Vector128<float> t4, Vector128<float> m4, Vector128<float> v4) = (Vector128.Create(t.AsSpan(i)), Vector128.Create(m.AsSpan(i)), Vector128.Create(v.AsSpan(i)));
                op.Invoke(ref t4, ref m4, ref v4, Vector128.Create(g.AsSpan(i)));
                t4.CopyTo(t.AsSpan(i));
                m4.CopyTo(m.AsSpan(i));
                v4.CopyTo(v.AsSpan(i));
                break;
            case SimdWidth.V256:
                (Vector256<float> t8, Vector256<float> m8, Vector256<float> v8) = (Vector256.Create(t.AsSpan(i)), Vector256.Create(m.AsSpan(i)), Vector256.Create(v.AsSpan(i)));
                op.Invoke(ref t8, ref m8, ref v8, Vector256.Create(g.AsSpan(i)));
                t8.CopyTo(t.AsSpan(i));
                m8.CopyTo(m.AsSpan(i));
                v8.CopyTo(v.AsSpan(i));
                break;
            default:
                (Vector512<float> t16, Vector512<float> m16, Vector512<float> v16) = (Vector512.Create(t.AsSpan(i)), Vector512.Create(m.AsSpan(i)), Vector512.Create(v.AsSpan(i)));
                op.Invoke(ref t16, ref m16, ref v16, Vector512.Create(g.AsSpan(i)));
                t16.CopyTo(t.AsSpan(i));
                m16.CopyTo(m.AsSpan(i));
                v16.CopyTo(v.AsSpan(i));
                break;
        }
    }

    private static float[] ToArray(Vector128<float> v)
    {
        var lanes = new float[Vector128<float>.Count];
        v.CopyTo(lanes);
        return lanes;
    }

    private static float[] ToArray(Vector256<float> v)
    {
        var lanes = new float[Vector256<float>.Count];
        v.CopyTo(lanes);
        return lanes;
    }

    private static float[] ToArray(Vector512<float> v)
    {
        var lanes = new float[Vector512<float>.Count];
        v.CopyTo(lanes);
        return lanes;
    }

    /// <summary>Concatenates the lanes of one vector Invoke per <paramref name="width"/>-wide chunk of [0, length).</summary>
    private static float[] InvokeByVectors(SimdWidth width, int length, Func<int, int, float[]> lanesAt)
    {
        int lanes = (int)width / 32;
        var result = new float[length];
        for (int start = 0; start < length; start += lanes)
        {
            lanesAt(start, lanes).CopyTo(result, start);
        }

        return result;
    }

    /// <summary>
    /// Bit for bit, except that with <paramref name="anyNaN"/> every NaN matches every NaN: when a sum meets two NaNs
    /// (Adam's v = g²·(1 − β₂) + v·β₂ with NaN in both g and v), x86 keeps the first operand's, and which operand comes
    /// first is the JIT's choice (it differs between tiers), so the sign and payload are not part of the result.
    /// </summary>
    private static void AssertBitsEqual(float[] expected, float[] actual, string what, bool anyNaN = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (anyNaN && float.IsNaN(expected[i]) && float.IsNaN(actual[i]))
            {
                continue;
            }

            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: first difference at index {i}: expected {expected[i]:R}, actual {actual[i]:R}");
            }
        }
    }

    /// <summary>x − y: a loop test operator whose result shows which inputs each output came from.</summary>
    private readonly struct Difference : IBinaryOperator
    {
        public float Invoke(float x, float y) => x - y;

        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x - y;

        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x - y;

        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x - y;
    }

    /// <summary>(x − y) · z.</summary>
    private readonly struct DifferenceTimes : ITernaryOperator
    {
        public float Invoke(float x, float y, float z) => (x - y) * z;

        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> z) => (x - y) * z;

        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z) => (x - y) * z;

        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z) => (x - y) * z;
    }

    /// <summary>(a, b, c) ← (b + x, c, a): an update that is not idempotent, so running an element twice shows.</summary>
    private readonly struct Rotate : IInPlaceUpdate3Operator
    {
        public void Invoke(ref float a, ref float b, ref float c, float x) => (a, b, c) = (b + x, c, a);

        public void Invoke(ref Vector128<float> a, ref Vector128<float> b, ref Vector128<float> c, Vector128<float> x) => (a, b, c) = (b + x, c, a);

        public void Invoke(ref Vector256<float> a, ref Vector256<float> b, ref Vector256<float> c, Vector256<float> x) => (a, b, c) = (b + x, c, a);

        public void Invoke(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, Vector512<float> x) => (a, b, c) = (b + x, c, a);
    }
}
