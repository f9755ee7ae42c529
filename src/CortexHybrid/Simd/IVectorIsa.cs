namespace CortexHybrid.Simd;

/// <summary>
/// One vector width's operations, as static members of a struct, so the managed kernels are
/// written once and the JIT specializes them for <c>Vector512</c>, <c>Vector256</c> and
/// <c>Vector128</c> (tests force each one).
/// </summary>
/// <typeparam name="TVector">The vector type, for example <c>Vector512&lt;float&gt;</c>.</typeparam>
internal interface IVectorIsa<TVector>
    where TVector : struct
{
    /// <summary>The width in bits, for descriptions.</summary>
    static abstract int Bits { get; }

    /// <summary>True when the JIT compiles this width to hardware instructions.</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>f32 lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Loads <see cref="Count"/> floats starting <paramref name="offset"/> elements after <paramref name="source"/>.</summary>
    static abstract TVector Load(ref float source, nuint offset);

    /// <summary>Zeroes all lanes but the last <paramref name="count"/> (the overlapping tail vector).</summary>
    static abstract TVector KeepLast(TVector value, int count);

    /// <summary><c>a * b + addend</c>, fused where the hardware has FMA.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector addend);

    /// <summary><c>a + b</c>.</summary>
    static abstract TVector Add(TVector a, TVector b);

    /// <summary><c>a - b</c>.</summary>
    static abstract TVector Subtract(TVector a, TVector b);

    /// <summary>The sum of all lanes: the upper half added to the lower until one Vector128 is left, then its four lanes.</summary>
    static abstract float Sum(TVector value);
}
