namespace CortexHybrid.Simd;

/// <summary>
/// Dot products of quantized vectors: int8 (exact, in int32) and bfloat16 (summed in float32),
/// pairwise and one query against many row-major rows.
/// </summary>
/// <remarks>
/// <para>Pair operations: mismatched lengths throw <see cref="ArgumentException"/>; empty vectors
/// give 0. An int8 length above <see cref="QuantizedKernels.MaxInt8Length"/> throws
/// <see cref="ArgumentOutOfRangeException"/>: up to it, no dot product can leave int32, so int8
/// results are exact on every path.</para>
/// <para>Batch operations: the dimension is <c>query.Length</c>, which must be positive;
/// <c>rows.Length</c> must be a whole multiple of it; <c>destination.Length</c> must equal the row
/// count and <c>destination</c> must not overlap the inputs; otherwise
/// <see cref="ArgumentException"/> naming the parameter.</para>
/// <para>bfloat16 elements are bit patterns (the upper halves of float32s, see
/// <see cref="BFloat16Bits"/>). Every product of two of them is exact in float32, so the only error
/// is the rounding of the float32 additions: within <c>2e-5·Σ|x·y| + (n + 1)·2^-126</c> of the
/// exact sum. NaN and infinities propagate as IEEE arithmetic says. The scalar and managed paths
/// keep denormals; the native path on AVX-512 BF16 reads denormal inputs as zero and flushes
/// denormal partial sums to zero (see <see cref="NativeQuantizedKernel.FlushesBFloat16Denormals"/>).</para>
/// <para>Within one kernel, a batch result equals the pair result for that row bit for bit. No
/// kernel allocates.</para>
/// </remarks>
internal interface IQuantizedKernel
{
    /// <summary>Which implementation this is.</summary>
    KernelBackend Backend { get; }

    /// <summary>A human-readable name of the path that runs, for example <c>managed Vector256</c>.</summary>
    string Description { get; }

    /// <summary>Computes the exact dot product <c>Σ x[i]·y[i]</c> of two int8 vectors.</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The dot product; 0 for empty vectors.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The length exceeds <see cref="QuantizedKernels.MaxInt8Length"/>.</exception>
    int DotInt8(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y);

    /// <summary>Computes <c>destination[r] = query · row r</c>, exactly, for consecutive int8 rows of <c>query.Length</c> elements.</summary>
    /// <param name="query">The query; its length is the dimension of every row.</param>
    /// <param name="rows"><c>destination.Length</c> rows back to back.</param>
    /// <param name="destination">One result per row.</param>
    /// <exception cref="ArgumentException">The query is empty, <paramref name="rows"/> is not a whole
    /// number of rows, <paramref name="destination"/> does not hold one result per row, or it overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The dimension exceeds <see cref="QuantizedKernels.MaxInt8Length"/>.</exception>
    void DotBatchInt8(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, Span<int> destination);

    /// <summary>Computes the dot product <c>Σ x[i]·y[i]</c> of two bfloat16 vectors, summed in float32.</summary>
    /// <param name="x">The first vector, as bfloat16 bit patterns.</param>
    /// <param name="y">The second vector, as long as <paramref name="x"/>.</param>
    /// <returns>The dot product; 0 for empty vectors; NaN or an infinity as IEEE arithmetic gives them.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    float DotBFloat16(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y);

    /// <summary>Computes <c>destination[r] = query · row r</c> for consecutive bfloat16 rows of <c>query.Length</c> elements.</summary>
    /// <param name="query">The query; its length is the dimension of every row.</param>
    /// <param name="rows"><c>destination.Length</c> rows back to back.</param>
    /// <param name="destination">One result per row, each equal to <see cref="DotBFloat16"/> of the query and that row.</param>
    /// <exception cref="ArgumentException">The query is empty, <paramref name="rows"/> is not a whole
    /// number of rows, <paramref name="destination"/> does not hold one result per row, or it overlaps an input.</exception>
    void DotBatchBFloat16(ReadOnlySpan<ushort> query, ReadOnlySpan<ushort> rows, Span<float> destination);
}
