using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// The few vector operations the width-generic kernels use (<see cref="DirectConv2d"/>, <see cref="WinogradF2x3"/>'s transforms), one implementation per vector
/// type, so a kernel is written once and runs at 128 bits (SSE, Arm64's NEON) and 256 bits alike.
/// </summary>
/// <remarks>
/// A kernel takes the vector type and its operations as type arguments (<c>Kernel&lt;TVec, TOps&gt;</c> with
/// <c>TOps : IVectorOps&lt;TVec&gt;</c>). Both are structs, so the JIT compiles one copy of the kernel per width and
/// inlines every call below into it: the generic code is the code one would write for that width by hand.
/// <para>Multiply-adds are <c>MultiplyAddEstimate</c>, as in the GEMM: fused where the CPU has FMA (AVX2 machines,
/// every Arm64), a multiply and an add on SSE-only x64, whose software fused multiply-add would cost more than the
/// whole convolution. <see cref="VectorOps.MultiplyAdd(float, float, float)"/> is the same operation on one float, for the scalar
/// references, so a kernel and its reference round alike on every CPU.</para>
/// </remarks>
internal interface IVectorOps<TVec>
    where TVec : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TVec Create(float value);

    /// <summary>The vector at <paramref name="source"/> + <paramref name="offset"/> (unchecked: the caller states the bounds).</summary>
    static abstract TVec Load(ref readonly float source, nuint offset);

    /// <summary>Stores <paramref name="value"/> at the start of <paramref name="destination"/> (checked).</summary>
    static abstract void Store(TVec value, Span<float> destination);

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/> + <paramref name="offset"/> (unchecked).</summary>
    static abstract void StoreUnsafe(TVec value, ref float destination, nuint offset);

    /// <summary>a + b.</summary>
    static abstract TVec Add(TVec a, TVec b);

    /// <summary>a − b.</summary>
    static abstract TVec Subtract(TVec a, TVec b);

    /// <summary>−a.</summary>
    static abstract TVec Negate(TVec a);

    /// <summary>The even and the odd elements of the 2L floats a ++ b: [a₀ a₂ … b₀ b₂ …] and [a₁ a₃ … b₁ b₃ …].</summary>
    static abstract (TVec Evens, TVec Odds) Unzip(TVec a, TVec b);

    /// <summary>The 2L floats a₀ b₀ a₁ b₁ …, as two vectors: the inverse of <see cref="Unzip"/>.</summary>
    static abstract (TVec Low, TVec High) Zip(TVec a, TVec b);

    /// <summary>a · b + c, fused where the CPU has FMA.</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    /// <summary>Lane-wise a &amp; b.</summary>
    static abstract TVec And(TVec a, TVec b);

    /// <summary>All-ones when <paramref name="set"/>, else zero: a mask that keeps or drops a whole vector.</summary>
    static abstract TVec Mask(bool set);

    /// <summary>All-ones in the lanes at index ≥ <paramref name="covered"/>, zero below.</summary>
    static abstract TVec LanesFrom(int covered);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TVec value);
}

/// <summary>
/// Scalar helpers that round as the vector kernels do.
/// </summary>
internal static class VectorOps
{
    /// <summary>a · b + c rounded as <see cref="IVectorOps{TVec}.MultiplyAdd"/> rounds it: one lane of the same
    /// vector operation (fused with FMA, a multiply then an add without).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c)
        => Vector128.MultiplyAddEstimate(Vector128.CreateScalarUnsafe(a), Vector128.CreateScalarUnsafe(b), Vector128.CreateScalarUnsafe(c)).ToScalar();

    /// <summary>Floats per vector of the width the direct and Winograd kernels run at <paramref name="width"/>: 8 at 256
    /// bits and above (the 512-bit kernels use 256-bit vectors along MNIST's short rows), 4 at 128.</summary>
    public static int Lanes(SimdWidth width) => width >= SimdWidth.V256 ? Vector256<float>.Count : Vector128<float>.Count;
}

/// <summary><see cref="IVectorOps{TVec}"/> with 128-bit vectors: 4 floats.</summary>
internal readonly struct Vector128Ops : IVectorOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref readonly float source, nuint offset) => Vector128.LoadUnsafe(in source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, Span<float> destination) => value.CopyTo(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> And(Vector128<float> a, Vector128<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Mask(bool set) => set ? Vector128<float>.AllBitsSet : Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LanesFrom(int covered)
        => Vector128.GreaterThanOrEqual(Vector128.Create(0, 1, 2, 3), Vector128.Create(covered)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value) => Vector128.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUnsafe(Vector128<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Negate(Vector128<float> a) => -a;

    /// <summary>
    /// One two-source shuffle each where the CPU has it (shufps, uzp1/uzp2), gated on exactly the instruction set it
    /// uses; <see cref="UnzipPortable"/> elsewhere. The portable <see cref="Vector128"/> API has no two-source shuffle,
    /// and building one from single-source shuffles takes three instructions per result instead of one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> Evens, Vector128<float> Odds) Unzip(Vector128<float> a, Vector128<float> b)
    {
        if (Sse.IsSupported)
        {
            return (Sse.Shuffle(a, b, 0b10_00_10_00), Sse.Shuffle(a, b, 0b11_01_11_01));
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return (AdvSimd.Arm64.UnzipEven(a, b), AdvSimd.Arm64.UnzipOdd(a, b));
        }

        return UnzipPortable(a, b);
    }

    /// <summary><see cref="Unzip"/> with the portable API only: each source's evens and odds into its halves, then
    /// the halves combined.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> Evens, Vector128<float> Odds) UnzipPortable(Vector128<float> a, Vector128<float> b)
    {
        Vector128<double> pa = Vector128.Shuffle(a, Vector128.Create(0, 2, 1, 3)).AsDouble(), pb = Vector128.Shuffle(b, Vector128.Create(0, 2, 1, 3)).AsDouble();
        return (Vector128.Create(pa.ToScalar(), pb.ToScalar()).AsSingle(), Vector128.Create(pa.GetElement(1), pb.GetElement(1)).AsSingle());
    }

    /// <summary>unpcklps/unpckhps or zip1/zip2, gated as in <see cref="Unzip"/>; <see cref="ZipPortable"/> elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> Low, Vector128<float> High) Zip(Vector128<float> a, Vector128<float> b)
    {
        if (Sse.IsSupported)
        {
            return (Sse.UnpackLow(a, b), Sse.UnpackHigh(a, b));
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return (AdvSimd.Arm64.ZipLow(a, b), AdvSimd.Arm64.ZipHigh(a, b));
        }

        return ZipPortable(a, b);
    }

    /// <summary><see cref="Zip"/> with the portable API only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> Low, Vector128<float> High) ZipPortable(Vector128<float> a, Vector128<float> b)
    {
        Vector128<int> order = Vector128.Create(0, 2, 1, 3);
        Vector128<double> ad = a.AsDouble(), bd = b.AsDouble();
        return (Vector128.Shuffle(Vector128.Create(ad.ToScalar(), bd.ToScalar()).AsSingle(), order),
            Vector128.Shuffle(Vector128.Create(ad.GetElement(1), bd.GetElement(1)).AsSingle(), order));
    }
}

/// <summary><see cref="IVectorOps{TVec}"/> with 256-bit vectors: 8 floats.</summary>
internal readonly struct Vector256Ops : IVectorOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref readonly float source, nuint offset) => Vector256.LoadUnsafe(in source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, Span<float> destination) => value.CopyTo(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mask(bool set) => set ? Vector256<float>.AllBitsSet : Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LanesFrom(int covered)
        => Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(covered)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUnsafe(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Negate(Vector256<float> a) => -a;

    /// <summary>
    /// One cross-lane permute per source (vpermps: AVX2, which 256-bit acceleration implies) puts its evens in its low
    /// half and its odds in its high half; the halves then combine (vinsertf128, vperm2f128). As many instructions as
    /// the in-lane shuffle and 64-bit permute this replaces, with the portable API only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Evens, Vector256<float> Odds) Unzip(Vector256<float> a, Vector256<float> b)
    {
        Vector256<int> order = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        Vector256<float> pa = Vector256.Shuffle(a, order), pb = Vector256.Shuffle(b, order);
        return (Vector256.Create(pa.GetLower(), pb.GetLower()), Vector256.Create(pa.GetUpper(), pb.GetUpper()));
    }

    /// <summary>The halves first (a₀…a₃ b₀…b₃, a₄…a₇ b₄…b₇), then one permute each interleaves them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Low, Vector256<float> High) Zip(Vector256<float> a, Vector256<float> b)
    {
        Vector256<int> order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        return (Vector256.Shuffle(Vector256.Create(a.GetLower(), b.GetLower()), order), Vector256.Shuffle(Vector256.Create(a.GetUpper(), b.GetUpper()), order));
    }
}
