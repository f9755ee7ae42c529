namespace CortexHybrid.Simd;

/// <summary>
/// One vector width's operations for the quantized kernels, as static members of a struct, so
/// <see cref="QuantizedVectorEngine{TInt, TFloat, TIsa, TNarrower}"/> is written once and the JIT
/// specializes it for each width (tests force each one).
/// </summary>
/// <remarks>
/// Loaded vectors are carried as <typeparamref name="TInt"/> bits whatever their elements are
/// (bytes for int8, 16-bit words for bfloat16), which keeps the engine to two vector types.
/// </remarks>
/// <typeparam name="TInt">The int32 vector, for example <c>Vector256&lt;int&gt;</c>: int8 sums, and raw loads.</typeparam>
/// <typeparam name="TFloat">The float32 vector of the same width: bfloat16 sums.</typeparam>
internal interface IQuantizedIsa<TInt, TFloat>
    where TInt : struct
    where TFloat : struct
{
    /// <summary>The width in bits, for descriptions.</summary>
    static abstract int Bits { get; }

    /// <summary>True when the JIT compiles this width to hardware instructions.</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>Bytes per vector: the int8 elements of one load (half as many bfloat16 elements).</summary>
    static abstract int ByteCount { get; }

    /// <summary>What the int8 products run on here, for descriptions (for example <c>AVX2 vpmaddwd</c>).</summary>
    static abstract string Int8Instructions { get; }

    /// <summary>All int32 lanes zero.</summary>
    static abstract TInt ZeroInt { get; }

    /// <summary>All float32 lanes zero.</summary>
    static abstract TFloat ZeroFloat { get; }

    /// <summary>Loads <see cref="ByteCount"/> int8 elements starting <paramref name="offset"/> elements after <paramref name="source"/>.</summary>
    static abstract TInt LoadInt8(ref sbyte source, nuint offset);

    /// <summary>Loads <c>ByteCount / 2</c> bfloat16 elements starting <paramref name="offset"/> elements after <paramref name="source"/>.</summary>
    static abstract TInt LoadBFloat16(ref ushort source, nuint offset);

    /// <summary>Zeroes all int8 elements of a load but the last <paramref name="count"/> (the overlapping tail vector).</summary>
    static abstract TInt KeepLastInt8(TInt value, int count);

    /// <summary>Zeroes all bfloat16 elements of a load but the last <paramref name="count"/>.</summary>
    static abstract TInt KeepLastBFloat16(TInt value, int count);

    /// <summary>
    /// Adds the products of the int8 elements of <paramref name="x"/> and <paramref name="y"/> to
    /// the int32 lanes of <paramref name="sum"/>, exactly (each lane gains a few products of at most
    /// 2^14 each; which lane a product goes to differs between widths, which an exact sum does not notice).
    /// </summary>
    static abstract TInt MultiplyAddInt8(TInt x, TInt y, TInt sum);

    /// <summary>The even-numbered bfloat16 elements of a load as float32 (each 32-bit lane's low half, shifted up).</summary>
    static abstract TFloat EvenBFloat16(TInt value);

    /// <summary>The odd-numbered bfloat16 elements of a load as float32 (each 32-bit lane's high half, low half cleared).</summary>
    static abstract TFloat OddBFloat16(TInt value);

    /// <summary><c>a * b + addend</c>, fused where the hardware has FMA.</summary>
    static abstract TFloat MultiplyAdd(TFloat a, TFloat b, TFloat addend);

    /// <summary><c>a + b</c>, wrapping.</summary>
    static abstract TInt Add(TInt a, TInt b);

    /// <summary><c>a + b</c>.</summary>
    static abstract TFloat Add(TFloat a, TFloat b);

    /// <summary>The sum of all lanes, wrapping.</summary>
    static abstract int Sum(TInt value);

    /// <summary>The sum of all lanes.</summary>
    static abstract float Sum(TFloat value);
}
