using System.Runtime.Intrinsics;
using MiniNetFgsm.Kernels;

namespace MiniNetFgsm.Tests.Kernels;

/// <summary>The width-generic kernels' vector operations against their definitions, and the portable fallbacks of the
/// gated shuffles against the shuffles (so the path an Arm64 or SSE-less CPU would take is tested here too).</summary>
public sealed class VectorOpsTests
{
    private static readonly float[] Sixteen = Enumerable.Range(0, 16).Select(i => i + 0.5f).ToArray();

    [Fact]
    public void Unzip_And_Zip_AtBothWidths_AreEvensOddsAndTheirInterleave()
    {
        Vector128<float> a = Vector128.Create(Sixteen), b = Vector128.Create(Sixteen.AsSpan(4));
        Vector256<float> c = Vector256.Create(Sixteen), d = Vector256.Create(Sixteen.AsSpan(8));

        (Vector128<float> evens, Vector128<float> odds) = Vector128Ops.Unzip(a, b);
        (Vector256<float> evens8, Vector256<float> odds8) = Vector256Ops.Unzip(c, d);
        (Vector128<float> low, Vector128<float> high) = Vector128Ops.Zip(evens, odds);
        (Vector256<float> low8, Vector256<float> high8) = Vector256Ops.Zip(evens8, odds8);

        Assert.Equal([0.5f, 2.5f, 4.5f, 6.5f], Elements(evens));
        Assert.Equal([1.5f, 3.5f, 5.5f, 7.5f], Elements(odds));
        Assert.Equal(Sixteen.Where((_, i) => i % 2 == 0), Elements(evens8));
        Assert.Equal(Sixteen.Where((_, i) => i % 2 == 1), Elements(odds8));
        Assert.Equal(Sixteen.Take(8), Elements(low).Concat(Elements(high)));
        Assert.Equal(Sixteen, Elements(low8).Concat(Elements(high8)));
    }

    [Fact]
    public void PortableUnzipAndZip_EqualTheGatedShuffles()
    {
        Vector128<float> a = Vector128.Create(1f, -2f, float.NaN, 4f), b = Vector128.Create(-0f, 6f, 7f, float.PositiveInfinity);

        Assert.Equal(Bits(Vector128Ops.Unzip(a, b).Evens), Bits(Vector128Ops.UnzipPortable(a, b).Evens));
        Assert.Equal(Bits(Vector128Ops.Unzip(a, b).Odds), Bits(Vector128Ops.UnzipPortable(a, b).Odds));
        Assert.Equal(Bits(Vector128Ops.Zip(a, b).Low), Bits(Vector128Ops.ZipPortable(a, b).Low));
        Assert.Equal(Bits(Vector128Ops.Zip(a, b).High), Bits(Vector128Ops.ZipPortable(a, b).High));
    }

    [Fact]
    public void ScalarMultiplyAdd_RoundsAsTheVectorOne()
    {
        // 1 + 2⁻²³ squared is 1 + 2⁻²² + 2⁻⁴⁶: fused, −1 − 2⁻²² leaves 2⁻⁴⁶; a multiply then an add leaves 0.
        float a = 1f + MathF.Pow(2, -23), c = -(1f + MathF.Pow(2, -22));

        float scalar = VectorOps.MultiplyAdd(a, a, c);

        Assert.Equal(Vector128.MultiplyAddEstimate(Vector128.Create(a), Vector128.Create(a), Vector128.Create(c)).ToScalar(), scalar);
        Assert.Equal(Vector256.MultiplyAddEstimate(Vector256.Create(a), Vector256.Create(a), Vector256.Create(c)).ToScalar(), scalar);
    }

    [Fact]
    public void LanesFrom_SetsTheLanesNotYetCovered()
    {
        Assert.Equal([0, 0, -1, -1], Elements(Vector128Ops.LanesFrom(2).AsInt32()));
        Assert.Equal([0, 0, 0, 0, 0, -1, -1, -1], Elements(Vector256Ops.LanesFrom(5).AsInt32()));
        Assert.Equal(4, VectorOps.Lanes(SimdWidth.V128));
        Assert.Equal(8, VectorOps.Lanes(SimdWidth.V512));
    }

    private static T[] Elements<T>(Vector128<T> v) => Enumerable.Range(0, Vector128<T>.Count).Select(i => v.GetElement(i)).ToArray();

    private static T[] Elements<T>(Vector256<T> v) => Enumerable.Range(0, Vector256<T>.Count).Select(i => v.GetElement(i)).ToArray();

    private static int[] Bits(Vector128<float> v) => Elements(v.AsInt32());
}
