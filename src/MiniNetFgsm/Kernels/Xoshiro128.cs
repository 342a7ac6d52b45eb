namespace MiniNetFgsm.Kernels;

/// <summary>
/// xoshiro128** (Blackman and Vigna), a small fast generator of 32-bit values, seeded through SplitMix64.
/// A few instructions per value, where <see cref="Random"/> with a seed (the legacy subtractive generator) costs several
/// times more. Dropout draws one value per activation through <see cref="DropoutMask"/>, which runs eight of these
/// streams side by side in one vector.
/// The sequence depends only on the seed, on every platform.
/// </summary>
public struct Xoshiro128
{
    private uint s0, s1, s2, s3;

    /// <summary>Seeds the four state words from <paramref name="seed"/> with SplitMix64 (never all zero).</summary>
    public Xoshiro128(long seed)
    {
        ulong x = (ulong)seed;
        ulong a = SplitMix64(ref x), b = SplitMix64(ref x);
        s0 = (uint)a;
        s1 = (uint)(a >> 32);
        s2 = (uint)b;
        s3 = (uint)(b >> 32) | 1u;
    }

    /// <summary>
    /// The generator of stream (<paramref name="stream"/>, <paramref name="substream"/>) of <paramref name="seed"/>,
    /// e.g. PGD's random start of one image (by its index in the data set) in one restart: the three numbers are
    /// hashed with SplitMix64 into one seed, so the values depend on nothing else (not on batching, nor on threads).
    /// </summary>
    public static Xoshiro128 ForStream(int seed, int stream, int substream)
    {
        ulong state = (ulong)seed;
        ulong key = SplitMix64(ref state) ^ (uint)stream;
        key = SplitMix64(ref key) ^ (uint)substream;
        return new Xoshiro128((long)key);
    }

    /// <summary>A generator in the given state (not all zero), to continue a stream kept elsewhere.</summary>
    internal Xoshiro128(uint s0, uint s1, uint s2, uint s3) => (this.s0, this.s1, this.s2, this.s3) = (s0, s1, s2, s3);

    /// <summary>The four state words (s0, s1, s2, s3).</summary>
    internal readonly (uint S0, uint S1, uint S2, uint S3) State => (s0, s1, s2, s3);

    /// <summary>The next 32-bit value.</summary>
    public uint NextUInt32()
    {
        uint result = BitRotate(s1 * 5, 7) * 9;
        uint t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = BitRotate(s3, 11);
        return result;
    }

    private static uint BitRotate(uint value, int bits) => (value << bits) | (value >> (32 - bits));

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
