using System.Runtime.Intrinsics;

namespace CortexHybrid.Simd;

/// <summary>
/// The seed design's SIMD processor: one <see cref="ISimilarityKernel"/> behind simple methods,
/// plus cosine of one query against many separate vectors, serially or in parallel.
/// </summary>
/// <remarks>
/// Validation is the kernel's for pairs; batches over separate vectors check every vector up front,
/// so a bad one throws before any work is done. Parallel results equal serial results bit for bit
/// (each vector is computed by the same call).
/// </remarks>
public sealed class SimdProcessor
{
    /// <summary>Below this many floats in total, a parallel batch runs serially: threads would cost more than they save.</summary>
    private const long MinParallelFloats = 64 * 1024;

    /// <summary>Creates a processor over <see cref="SimilarityKernels.Default"/>.</summary>
    /// <exception cref="InvalidOperationException"><c>CORTEX_KERNEL</c> forces a kernel that cannot be used.</exception>
    public SimdProcessor()
        : this(SimilarityKernels.Default)
    {
    }

    /// <summary>Creates a processor over <paramref name="kernel"/>.</summary>
    /// <param name="kernel">The kernel every method uses.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public SimdProcessor(ISimilarityKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Kernel = kernel;
    }

    /// <summary>The kernel every method uses.</summary>
    public ISimilarityKernel Kernel { get; }

    /// <summary>True when the kernel runs on SIMD hardware: native, or managed with an accelerated vector width.</summary>
    public bool IsSimdAvailable => Kernel.Backend switch
    {
        KernelBackend.Native => true,
        KernelBackend.Managed => Vector128.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>The dot product of <paramref name="x"/> and <paramref name="y"/>; see <see cref="ISimilarityKernel.Dot"/>.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The dot product; 0 for empty vectors.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public float DotProduct(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Kernel.Dot(x, y);

    /// <summary>The cosine similarity of <paramref name="x"/> and <paramref name="y"/>; see <see cref="ISimilarityKernel.Cosine"/>.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The cosine in [-1, 1]; 0 for empty or zero vectors; NaN where an input holds a NaN.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public float CosineSimilarity(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Kernel.Cosine(x, y);

    /// <summary>The cosine similarity of <paramref name="query"/> with each of <paramref name="vectors"/>.</summary>
    /// <param name="query">The query; every vector must have its length, which must be positive.</param>
    /// <param name="vectors">The vectors to compare against.</param>
    /// <returns>One cosine per vector, in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="vectors"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty, or a vector is null or of another length.</exception>
    public float[] BatchCosineSimilarity(ReadOnlySpan<float> query, IReadOnlyList<float[]> vectors)
    {
        ValidateVectors(query, vectors);
        var result = new float[vectors.Count];
        CosineRange(query, vectors, 0, result);
        return result;
    }

    /// <summary>The cosine similarity of <paramref name="query"/> with each of <paramref name="vectors"/>, into <paramref name="destination"/>.</summary>
    /// <param name="query">The query; every vector must have its length, which must be positive.</param>
    /// <param name="vectors">The vectors to compare against.</param>
    /// <param name="destination">One result per vector.</param>
    /// <exception cref="ArgumentNullException"><paramref name="vectors"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty, a vector is null or of
    /// another length, or <paramref name="destination"/> does not hold exactly one float per vector.</exception>
    public void BatchCosineSimilarity(ReadOnlySpan<float> query, IReadOnlyList<float[]> vectors, Span<float> destination)
    {
        ValidateVectors(query, vectors);
        if (destination.Length != vectors.Count)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats; it must hold exactly one per vector ({vectors.Count}).", nameof(destination));
        }

        CosineRange(query, vectors, 0, destination);
    }

    /// <summary>
    /// <see cref="BatchCosineSimilarity(ReadOnlySpan{float}, IReadOnlyList{float[]})"/> across threads:
    /// contiguous ranges of vectors, at most <paramref name="degreeOfParallelism"/> at a time.
    /// Small batches (under 65,536 floats in all) run on the calling thread.
    /// </summary>
    /// <param name="query">The query; every vector must have its length, which must be positive.</param>
    /// <param name="vectors">The vectors to compare against.</param>
    /// <param name="degreeOfParallelism">How many threads at most; -1 for one per processor.</param>
    /// <returns>One cosine per vector, in order, equal to the serial results.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="vectors"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty, or a vector is null or of another length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="degreeOfParallelism"/> is 0 or below -1.</exception>
    public float[] ParallelBatchCosineSimilarity(ReadOnlyMemory<float> query, IReadOnlyList<float[]> vectors, int degreeOfParallelism = -1)
    {
        if (degreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(degreeOfParallelism), degreeOfParallelism, "Use a positive number of threads, or -1 for one per processor.");
        }

        ValidateVectors(query.Span, vectors);
        int threads = degreeOfParallelism == -1 ? Environment.ProcessorCount : degreeOfParallelism;
        var result = new float[vectors.Count];
        if (threads == 1 || (long)vectors.Count * query.Length < MinParallelFloats)
        {
            CosineRange(query.Span, vectors, 0, result);
            return result;
        }

        // A few ranges per thread, so one slow range does not leave the others idle.
        int ranges = Math.Min(vectors.Count, threads * 4);
        Parallel.For(0, ranges, new ParallelOptions { MaxDegreeOfParallelism = threads }, range =>
        {
            int start = (int)((long)vectors.Count * range / ranges);
            int end = (int)((long)vectors.Count * (range + 1) / ranges);
            CosineRange(query.Span, vectors, start, result.AsSpan(start, end - start));
        });
        return result;
    }

    private void CosineRange(ReadOnlySpan<float> query, IReadOnlyList<float[]> vectors, int start, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Kernel.Cosine(query, vectors[start + i]);
        }
    }

    private static void ValidateVectors(ReadOnlySpan<float> query, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (query.IsEmpty)
        {
            throw new ArgumentException("The query must not be empty: its length is the dimension of every vector.", nameof(query));
        }

        for (int i = 0; i < vectors.Count; i++)
        {
            float[]? vector = vectors[i];
            if (vector is null)
            {
                throw new ArgumentException($"vectors[{i}] is null.", nameof(vectors));
            }

            if (vector.Length != query.Length)
            {
                throw new ArgumentException($"vectors[{i}] has {vector.Length} floats; the query has {query.Length}.", nameof(vectors));
            }
        }
    }
}
