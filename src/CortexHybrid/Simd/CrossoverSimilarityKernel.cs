using System.Runtime.CompilerServices;

namespace CortexHybrid.Simd;

/// <summary>
/// <see cref="SimilarityKernels.Default"/> where the native library loads: the managed kernel for
/// vectors shorter than <see cref="Crossover"/> floats, where a call into the library costs more
/// than the work, and the native kernel from there on. Batches go by their dimension, so a batch
/// row still equals the pair result for that row bit for bit.
/// </summary>
/// <typeparam name="TManaged">The managed engine for short vectors.</typeparam>
/// <remarks>Arguments are checked once, here; the routes below run unchecked.</remarks>
internal sealed class CrossoverSimilarityKernel<TManaged> : ISimilarityKernel
    where TManaged : struct, IKernelEngine
{
    internal CrossoverSimilarityKernel(ISimilarityKernel native, int crossover)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(crossover);
        Crossover = crossover;
        Description = $"{native.Description}; {TManaged.Description} below {crossover} floats";
    }

    /// <summary>The shortest length that goes to the native kernel.</summary>
    public int Crossover { get; }

    /// <summary>Native: every batch of <see cref="Crossover"/> floats or more and every search runs in Rust.</summary>
    public KernelBackend Backend => KernelBackend.Native;

    public string Description { get; }

    public float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return x.Length < Crossover
            ? SpanSimilarityKernel<TManaged>.DotUnchecked(x, y)
            : NativeDot(x, y);
    }

    public float Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return x.Length < Crossover
            ? SpanSimilarityKernel<TManaged>.CosineUnchecked(x, y)
            : NativeCosine(x, y);
    }

    public float SquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return x.Length < Crossover
            ? SpanSimilarityKernel<TManaged>.SquaredEuclideanUnchecked(x, y)
            : NativeSquaredEuclidean(x, y);
    }

    public void DotBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int count = KernelGuard.RequireBatch(query, rows, destination);
        if (query.Length < Crossover)
        {
            SpanSimilarityKernel<TManaged>.DotBatchUnchecked(query, rows, destination, count);
        }
        else
        {
            NativeSimilarityKernel.DotBatchUnchecked(query, rows, destination, count);
        }
    }

    public void CosineBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int count = KernelGuard.RequireBatch(query, rows, destination);
        if (query.Length < Crossover)
        {
            SpanSimilarityKernel<TManaged>.CosineBatchUnchecked(query, rows, destination, count);
        }
        else
        {
            NativeSimilarityKernel.CosineBatchUnchecked(query, rows, destination, count);
        }
    }

    // The native routes stay out of line: a P/Invoke inlined into the public methods would make the
    // JIT set up its pinning and call frame on every call, the short managed ones included.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float NativeDot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => NativeSimilarityKernel.DotUnchecked(x, y);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float NativeCosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => NativeSimilarityKernel.CosineUnchecked(x, y);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float NativeSquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => NativeSimilarityKernel.SquaredEuclideanUnchecked(x, y);
}
