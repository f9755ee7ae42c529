namespace CortexHybrid.Simd;

/// <summary>
/// The scalar and managed kernels: validation, batches and the cosine rules, written once around an
/// engine's summing loops.
/// </summary>
/// <typeparam name="TEngine">The loops: <see cref="ScalarEngine"/> or a <see cref="VectorEngine{TVector, TIsa, TNarrower}"/> chain.</typeparam>
/// <remarks>
/// The public methods check their arguments and call the <c>*Unchecked</c> ones, which
/// <see cref="CrossoverSimilarityKernel{TManaged}"/> calls after checking them itself.
/// </remarks>
internal sealed class SpanSimilarityKernel<TEngine> : ISimilarityKernel
    where TEngine : struct, IKernelEngine
{
    public KernelBackend Backend => TEngine.Backend;

    public string Description => TEngine.Description;

    public float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return DotUnchecked(x, y);
    }

    public float Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return CosineUnchecked(x, y);
    }

    public float SquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return SquaredEuclideanUnchecked(x, y);
    }

    public void DotBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int count = KernelGuard.RequireBatch(query, rows, destination);
        DotBatchUnchecked(query, rows, destination, count);
    }

    public void CosineBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int count = KernelGuard.RequireBatch(query, rows, destination);
        CosineBatchUnchecked(query, rows, destination, count);
    }

    /// <summary><see cref="Dot"/> of two vectors of equal length.</summary>
    internal static float DotUnchecked(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => TEngine.Sum<DotTerm>(x, y);

    /// <summary><see cref="Cosine"/> of two vectors of equal length.</summary>
    internal static float CosineUnchecked(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        float xy = TEngine.CosineParts<WithNormX>(x, y, out float xx, out float yy);
        return CosineMath.Combine(x, y, xy, xx, yy);
    }

    /// <summary><see cref="SquaredEuclidean"/> of two vectors of equal length.</summary>
    internal static float SquaredEuclideanUnchecked(ReadOnlySpan<float> x, ReadOnlySpan<float> y) =>
        TEngine.Sum<SquaredDifferenceTerm>(x, y);

    /// <summary><see cref="DotBatch"/> of arguments <see cref="KernelGuard.RequireBatch"/> accepted (<paramref name="count"/> rows).</summary>
    internal static void DotBatchUnchecked(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination, int count)
    {
        int dimension = query.Length;
        for (int r = 0; r < count; r++)
        {
            destination[r] = TEngine.Sum<DotTerm>(query, rows.Slice(r * dimension, dimension));
        }
    }

    /// <summary><see cref="CosineBatch"/> of arguments <see cref="KernelGuard.RequireBatch"/> accepted (<paramref name="count"/> rows).</summary>
    internal static void CosineBatchUnchecked(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination, int count)
    {
        int dimension = query.Length;

        // The x·x stream of CosineParts(q, q): the query norm a pair cosine would use, the same bits.
        TEngine.CosineParts<WithNormX>(query, query, out float queryNorm, out _);
        int r = 0;

        // Two rows a pass share the query's loads and the loop; each row's sums keep their order.
        for (; count - r >= 2; r += 2)
        {
            ReadOnlySpan<float> a = rows.Slice(r * dimension, dimension);
            ReadOnlySpan<float> b = rows.Slice((r + 1) * dimension, dimension);
            float qa = TEngine.CosineRowPair(query, a, b, out float aa, out float qb, out float bb);
            destination[r] = CosineMath.Combine(query, a, qa, queryNorm, aa);
            destination[r + 1] = CosineMath.Combine(query, b, qb, queryNorm, bb);
        }

        if (r < count)
        {
            ReadOnlySpan<float> row = rows.Slice(r * dimension, dimension);
            float xy = TEngine.CosineParts<WithoutNormX>(query, row, out _, out float yy);
            destination[r] = CosineMath.Combine(query, row, xy, queryNorm, yy);
        }
    }
}
