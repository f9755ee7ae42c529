using System.Numerics.Tensors;
using CortexHybrid.Simd;

namespace CortexHybrid.Cli;

/// <summary>
/// <see cref="TensorPrimitives"/> behind <see cref="ISimilarityKernel"/>: the baseline every
/// comparison is against. Batches are a loop of per-row calls, which is what a user of
/// TensorPrimitives writes.
/// </summary>
internal sealed class TensorPrimitivesKernel : ISimilarityKernel
{
    public KernelBackend Backend => KernelBackend.Managed;

    public string Description => $"TensorPrimitives (System.Numerics.Tensors {typeof(TensorPrimitives).Assembly.GetName().Version?.ToString(3)})";

    public float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => TensorPrimitives.Dot(x, y);

    public float Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => TensorPrimitives.CosineSimilarity(x, y);

    public float SquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        float distance = TensorPrimitives.Distance(x, y);
        return distance * distance;
    }

    public void DotBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int dimension = RequireBatch(query, rows, destination);
        for (int r = 0; r < destination.Length; r++)
        {
            destination[r] = TensorPrimitives.Dot(query, rows.Slice(r * dimension, dimension));
        }
    }

    public void CosineBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int dimension = RequireBatch(query, rows, destination);
        for (int r = 0; r < destination.Length; r++)
        {
            destination[r] = TensorPrimitives.CosineSimilarity(query, rows.Slice(r * dimension, dimension));
        }
    }

    private static int RequireBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        if (query.IsEmpty || rows.Length != query.Length * destination.Length)
        {
            throw new ArgumentException("rows must hold destination.Length rows of query.Length floats.", nameof(rows));
        }

        return query.Length;
    }
}
