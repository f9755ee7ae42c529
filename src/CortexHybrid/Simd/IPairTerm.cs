using System.Runtime.CompilerServices;

namespace CortexHybrid.Simd;

/// <summary>
/// What one element pair adds to a single-stream sum (dot product or squared distance), on vectors
/// of any width and on scalars. A struct type argument, so the JIT compiles one loop per term.
/// </summary>
internal interface IPairTerm
{
    /// <summary>Adds the term for <paramref name="x"/>, <paramref name="y"/> to <paramref name="sum"/>.</summary>
    static abstract TVector Accumulate<TVector, TIsa>(TVector x, TVector y, TVector sum)
        where TVector : struct
        where TIsa : struct, IVectorIsa<TVector>;

    /// <summary>The scalar form.</summary>
    static abstract float Accumulate(float x, float y, float sum);
}

/// <summary><c>x·y</c>.</summary>
internal readonly struct DotTerm : IPairTerm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Accumulate<TVector, TIsa>(TVector x, TVector y, TVector sum)
        where TVector : struct
        where TIsa : struct, IVectorIsa<TVector> => TIsa.MultiplyAdd(x, y, sum);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Accumulate(float x, float y, float sum) => sum + (x * y);
}

/// <summary><c>(x - y)²</c>.</summary>
internal readonly struct SquaredDifferenceTerm : IPairTerm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Accumulate<TVector, TIsa>(TVector x, TVector y, TVector sum)
        where TVector : struct
        where TIsa : struct, IVectorIsa<TVector>
    {
        TVector difference = TIsa.Subtract(x, y);
        return TIsa.MultiplyAdd(difference, difference, sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Accumulate(float x, float y, float sum)
    {
        float difference = x - y;
        return sum + (difference * difference);
    }
}
