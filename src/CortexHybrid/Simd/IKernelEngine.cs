namespace CortexHybrid.Simd;

/// <summary>
/// The summing loops of one backend. <see cref="SpanSimilarityKernel{TEngine}"/> adds validation,
/// batches and the cosine rules around them, once for every engine.
/// </summary>
/// <remarks>
/// Every engine walks its input in one fixed order, so a stream such as <c>x·y</c> gives the same
/// bits whether it is summed alone or beside others: batch results equal pair results exactly.
/// </remarks>
internal interface IKernelEngine
{
    /// <summary>The backend this engine belongs to.</summary>
    static abstract KernelBackend Backend { get; }

    /// <summary>A description of the path that runs, for <see cref="ISimilarityKernel.Description"/>.</summary>
    static abstract string Description { get; }

    /// <summary>Sums <typeparamref name="TTerm"/> over equal-length <paramref name="x"/> and <paramref name="y"/>.</summary>
    static abstract float Sum<TTerm>(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        where TTerm : struct, IPairTerm;

    /// <summary>
    /// Sums <c>x·y</c> (returned), <c>x·x</c> (when <typeparamref name="TNormX"/> says so, else 0)
    /// and <c>y·y</c> in one pass.
    /// </summary>
    /// <remarks>
    /// <c>out</c> floats rather than a tuple: a returned three-float tuple is written as floats and
    /// read back as a pair, a failed store-to-load forward that cost about 10 ns a call.
    /// </remarks>
    static abstract float CosineParts<TNormX>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out float xx, out float yy)
        where TNormX : struct, INormXSwitch;

    /// <summary>
    /// <see cref="CosineParts{TNormX}"/> without <c>q·q</c> for two rows in one pass over the query:
    /// returns <c>q·a</c> and gives <c>a·a</c>, <c>q·b</c>, <c>b·b</c>, each summed in exactly the
    /// order <c>CosineParts&lt;WithoutNormX&gt;(q, a)</c> and <c>(q, b)</c> use, so the bits are the same.
    /// </summary>
    static abstract float CosineRowPair(ReadOnlySpan<float> q, ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float aa, out float qb, out float bb);
}
