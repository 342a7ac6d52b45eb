using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MiniNetFgsm.Kernels;

/// <summary>
/// One thread's GEMM scratch: the packed A and B blocks and the split-K partial products, pinned and 64-byte aligned,
/// grown when a call needs more and kept for the next.
/// </summary>
/// <remarks>
/// Per thread rather than the caller's, because every layer, the Winograd products, the attacks and the tests call
/// <c>Gemm.Multiply</c>, and a parallel GEMM's workers each pack their own blocks: handing buffers down every
/// caller would add an argument to each call and make none of them safer. This is the one piece of hidden state in
/// the kernels.
/// </remarks>
internal sealed unsafe class GemmWorkspace
{
    [ThreadStatic]
    private static GemmWorkspace? current;

    private float[]? packedA;
    private float[]? packedB;
    private float[]? partialC;

    private GemmWorkspace()
    {
    }

    /// <summary>The calling thread's workspace.</summary>
    public static GemmWorkspace ForThisThread => current ??= new GemmWorkspace();

    /// <summary>Room for an MC×KC block of op(A) in MR-tall panels (at least <paramref name="length"/> floats).</summary>
    public float* PackedA(int length) => Pointer(ref packedA, length);

    /// <summary>Room for a KC×NC block of op(B) in NR-wide panels (at least <paramref name="length"/> floats).</summary>
    public float* PackedB(int length) => Pointer(ref packedB, length);

    /// <summary>Room for one partial C per part of a split-K product (at least <paramref name="length"/> floats); the
    /// calling thread's, since a worker may run several parts in turn.</summary>
    public float* PartialC(int length) => Pointer(ref partialC, length);

    /// <summary>True when [p, p + count) lies inside one of this thread's buffers: what the macro-kernels assert, once
    /// per panel, of the packed panels they stream through the micro-kernel's unchecked pointers.</summary>
    public bool Holds(float* p, long count) => Inside(packedA, p, count) || Inside(packedB, p, count) || Inside(partialC, p, count);

    private static bool Inside(float[]? buffer, float* p, long count)
    {
        if (buffer is null)
        {
            return false;
        }

        float* start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return p >= start && count >= 0 && p + count <= start + buffer.Length;
    }

    /// <summary>A pinned array of at least <paramref name="length"/> floats past a 64-byte boundary, and that boundary.</summary>
    private static float* Pointer(ref float[]? buffer, int length)
    {
        // 16 floats of slack to start on a 64-byte boundary: a pinned array's data is only 8-byte aligned, and every
        // 512-bit load of a packed panel that straddles two cache lines costs two L1 accesses.
        if (buffer is null || buffer.Length < length + 16)
        {
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(length + 16, 4096), pinned: true);
        }

        nuint start = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((start + 63) & ~(nuint)63);
    }
}
