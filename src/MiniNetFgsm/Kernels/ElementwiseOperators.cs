using System.Runtime.Intrinsics;

namespace MiniNetFgsm.Kernels;

// The operator shapes the elementwise kernels are written in, after TensorPrimitives: an operation is a small readonly
// struct with one Invoke per width, and ElementwiseLoop runs it over spans. Every Invoke of one operator computes the
// same float operations in the same order, so each lane of a vector gets exactly the bits the scalar Invoke gives.
//
// The members are instance methods (not static abstract ones) because an operation's scalars (FGSM's eps, the
// projected step's α and eps, Adam's β₁, β₂, ...) live in the struct. For a struct type argument the JIT compiles
// ElementwiseLoop once per operator and calls Invoke directly (a constrained call), so there is no virtual dispatch
// either way. Operators mark their Invokes AggressiveInlining: Adam's are larger than the JIT inlines by default,
// and a call per vector (arguments spilled to memory) made the Adam loop measurably slower than the hand-written one.

/// <summary>result = f(x, y), one element or one vector of lanes at a time.</summary>
internal interface IBinaryOperator
{
    /// <summary>One element: also the loop's tail.</summary>
    float Invoke(float x, float y);

    /// <summary>Four lanes.</summary>
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);

    /// <summary>Eight lanes.</summary>
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);

    /// <summary>Sixteen lanes.</summary>
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>result = f(x, y, z), one element or one vector of lanes at a time.</summary>
internal interface ITernaryOperator
{
    /// <summary>One element: also the loop's tail.</summary>
    float Invoke(float x, float y, float z);

    /// <summary>Four lanes.</summary>
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> z);

    /// <summary>Eight lanes.</summary>
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z);

    /// <summary>Sixteen lanes.</summary>
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z);
}

/// <summary>
/// (a, b, c) ← f(a, b, c, x): three state values updated in place from one input, such as an optimizer's parameter
/// and its two moments from the gradient. One pass reads and writes each state array once.
/// </summary>
internal interface IInPlaceUpdate3Operator
{
    /// <summary>One element: also the loop's tail.</summary>
    void Invoke(ref float a, ref float b, ref float c, float x);

    /// <summary>Four lanes.</summary>
    void Invoke(ref Vector128<float> a, ref Vector128<float> b, ref Vector128<float> c, Vector128<float> x);

    /// <summary>Eight lanes.</summary>
    void Invoke(ref Vector256<float> a, ref Vector256<float> b, ref Vector256<float> c, Vector256<float> x);

    /// <summary>Sixteen lanes.</summary>
    void Invoke(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, Vector512<float> x);
}
