namespace CortexHybrid.Simd;

/// <summary>
/// The scalar and managed kernels: validation, batches and the cosine rules, written once around an
/// engine's summing loops.
/// </summary>
/// <typeparam name="TEngine">The loops: <see cref="ScalarEngine"/> or a <see cref="VectorEngine{TVector, TIsa, TNarrower}"/> chain.</typeparam>
internal sealed class SpanSimilarityKernel<TEngine> : ISimilarityKernel
    where TEngine : struct, IKernelEngine
{
    public KernelBackend Backend => TEngine.Backend;

    public string Description => TEngine.Description;

    public float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return TEngine.Sum<DotTerm>(x, y);
    }

    public float Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        float xy = TEngine.CosineParts<WithNormX>(x, y, out float xx, out float yy);
        return CosineMath.Combine(x, y, xy, xx, yy);
    }

    public float SquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return TEngine.Sum<SquaredDifferenceTerm>(x, y);
    }

    public void DotBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int count = KernelGuard.RequireBatch(query, rows, destination);
        int dimension = query.Length;
        for (int r = 0; r < count; r++)
        {
            destination[r] = TEngine.Sum<DotTerm>(query, rows.Slice(r * dimension, dimension));
        }
    }

    public void CosineBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int count = KernelGuard.RequireBatch(query, rows, destination);
        int dimension = query.Length;

        // Sum<DotTerm>(q, q) walks q exactly as the x·x stream of CosineParts does: the same bits.
        float queryNorm = TEngine.Sum<DotTerm>(query, query);
        for (int r = 0; r < count; r++)
        {
            ReadOnlySpan<float> row = rows.Slice(r * dimension, dimension);
            float xy = TEngine.CosineParts<WithoutNormX>(query, row, out _, out float yy);
            destination[r] = CosineMath.Combine(query, row, xy, queryNorm, yy);
        }
    }
}
