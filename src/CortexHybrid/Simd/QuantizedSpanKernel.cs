namespace CortexHybrid.Simd;

/// <summary>
/// The scalar and managed quantized kernels: validation and batches, written once around an
/// engine's summing loops.
/// </summary>
/// <typeparam name="TEngine">The loops: <see cref="QuantizedScalarEngine"/> or a <see cref="QuantizedVectorEngine{TInt, TFloat, TIsa, TNarrower}"/> chain.</typeparam>
internal sealed class QuantizedSpanKernel<TEngine> : IQuantizedKernel
    where TEngine : struct, IQuantizedEngine
{
    public KernelBackend Backend => TEngine.Backend;

    public string Description => TEngine.Description;

    public int DotInt8(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y)
    {
        QuantizedGuard.RequireSameLength(x, y);
        QuantizedGuard.RequireInt8Length(x.Length, nameof(x));
        return TEngine.DotInt8(x, y);
    }

    public void DotBatchInt8(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, Span<int> destination)
    {
        int count = QuantizedGuard.RequireBatch(query, rows, destination);
        QuantizedGuard.RequireInt8Length(query.Length, nameof(query));
        int dimension = query.Length;
        for (int r = 0; r < count; r++)
        {
            destination[r] = TEngine.DotInt8(query, rows.Slice(r * dimension, dimension));
        }
    }

    public float DotBFloat16(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y)
    {
        QuantizedGuard.RequireSameLength(x, y);
        return TEngine.DotBFloat16(x, y);
    }

    public void DotBatchBFloat16(ReadOnlySpan<ushort> query, ReadOnlySpan<ushort> rows, Span<float> destination)
    {
        int count = QuantizedGuard.RequireBatch(query, rows, destination);
        int dimension = query.Length;
        for (int r = 0; r < count; r++)
        {
            destination[r] = TEngine.DotBFloat16(query, rows.Slice(r * dimension, dimension));
        }
    }
}
