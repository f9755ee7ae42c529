namespace CortexHybrid.Simd;

/// <summary>
/// f32 similarity kernels: dot product, cosine similarity and squared Euclidean distance of two
/// vectors, and one query against many row-major rows.
/// </summary>
/// <remarks>
/// <para>Every implementation follows one contract. Pair operations: mismatched lengths throw
/// <see cref="ArgumentException"/>; empty vectors give 0. Batch operations: the dimension is
/// <c>query.Length</c>, which must be positive; <c>rows.Length</c> must be a whole multiple of it;
/// <c>destination.Length</c> must equal the row count and <c>destination</c> must not overlap the
/// inputs; otherwise <see cref="ArgumentException"/> naming the parameter.</para>
/// <para>NaN and infinities propagate as IEEE arithmetic says. Sums are f32 with several
/// independent accumulators; cosine divides in f64, is clamped to [-1, 1], gives 0 for a zero
/// vector (NaN if the other vector holds a NaN or an infinity), and recomputes a pair in f64 when
/// a squared norm underflows (below 2^-64) or overflows f32, so it is scale-invariant over the
/// whole f32 range.</para>
/// <para>Within one kernel, a batch result equals the pair result for that row bit for bit. No
/// kernel allocates.</para>
/// </remarks>
public interface ISimilarityKernel
{
    /// <summary>Which implementation this is.</summary>
    KernelBackend Backend { get; }

    /// <summary>A human-readable name, for example <c>native avx512 (cortex_simd 0.1.0)</c>.</summary>
    string Description { get; }

    /// <summary>Computes the dot product <c>Σ x[i]·y[i]</c>.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The dot product; 0 for empty vectors.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y);

    /// <summary>Computes the cosine similarity <c>x·y / (|x| |y|)</c>.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The cosine in [-1, 1]; 0 for empty vectors or a zero vector; NaN where an input
    /// holds a NaN.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    float Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y);

    /// <summary>Computes the squared Euclidean distance <c>Σ (x[i] - y[i])²</c>.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The squared distance; 0 for empty vectors.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    float SquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y);

    /// <summary>Computes <c>destination[r] = query · row r</c> for every row.</summary>
    /// <param name="query">The query; its length is the dimension of every row.</param>
    /// <param name="rows">Row-major rows of <c>query.Length</c> floats each.</param>
    /// <param name="destination">One result per row.</param>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty, <paramref name="rows"/>
    /// is not a whole number of rows, or <paramref name="destination"/> has the wrong length or
    /// overlaps an input.</exception>
    void DotBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination);

    /// <summary>Computes <c>destination[r] = cosine(query, row r)</c> for every row; the query's norm
    /// is computed once.</summary>
    /// <param name="query">The query; its length is the dimension of every row.</param>
    /// <param name="rows">Row-major rows of <c>query.Length</c> floats each.</param>
    /// <param name="destination">One result per row.</param>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty, <paramref name="rows"/>
    /// is not a whole number of rows, or <paramref name="destination"/> has the wrong length or
    /// overlaps an input.</exception>
    void CosineBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination);
}
