using System.Runtime.CompilerServices;
using CortexHybrid.Search;
using CortexHybrid.Simd;

namespace CortexHybrid.Memory.Vectors;

/// <summary>
/// A seeded synthetic corpus with clustered structure, standing in for real embeddings: unit
/// vectors scattered around random cluster centres, with documents to match.
/// </summary>
/// <remarks>
/// <para>
/// Row <c>i</c> belongs to cluster <c>i % clusters</c>: it is that cluster's centre (a random unit
/// vector) plus Gaussian noise of norm about <see cref="NoiseScale"/>, normalized. Rows of one
/// cluster have a cosine of about 0.8 with each other and about 0 with other rows.
/// </para>
/// <para>
/// Each row comes from its own random stream, seeded by the seed and the row number, so the result
/// does not depend on the number of threads, and <c>Generate(n, ...)</c> is the first <c>n</c> rows
/// of <c>Generate(m, ...)</c> for any <c>m ≥ n</c> with the same seed, clusters and dimension.
/// 100,000 x 384 takes well under a second per core.
/// </para>
/// </remarks>
public static class SyntheticCorpus
{
    /// <summary>The seed <see cref="Generate"/> uses by default.</summary>
    public const int DefaultSeed = 42;

    /// <summary>The number of clusters <see cref="Generate"/> uses by default, and <see cref="DocumentFor(long)"/> assumes.</summary>
    public const int DefaultClusters = 100;

    /// <summary>The norm of the noise added to a row's cluster centre (a unit vector) before the row is normalized.</summary>
    public const float NoiseScale = 0.5f;

    /// <summary>The norm of the noise added to a stored row by <see cref="Queries"/>, relative to the row's norm.</summary>
    public const float QueryNoiseScale = 0.05f;

    /// <summary>Rows generated per parallel work item: enough work to amortize scheduling, small enough to balance.</summary>
    private const int ChunkRows = 256;

    // Stream domains, so that centres, rows and queries of one seed never share a random stream.
    private const ulong CentreDomain = 0x243F6A8885A308D3UL;
    private const ulong RowDomain = 0x13198A2E03707344UL;
    private const ulong QueryDomain = 0xA4093822299F31D0UL;

    /// <summary>Builds <paramref name="count"/> unit vectors of <paramref name="dimension"/> floats around <paramref name="clusters"/> random centres.</summary>
    /// <param name="count">Rows, 0 or more.</param>
    /// <param name="dimension">Floats per row, from 1 to <see cref="VectorIndex.MaxDimension"/>.</param>
    /// <param name="seed">The seed: the same arguments give the same floats on every run.</param>
    /// <param name="clusters">Cluster centres, at least 1; row <c>i</c> belongs to cluster <c>i % clusters</c>.</param>
    /// <param name="progress">When given, told the rows generated so far about every 1% (from worker threads, in increasing order), and <paramref name="count"/> at the end.</param>
    /// <returns>The rows, back to back.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, or <paramref name="count"/> x <paramref name="dimension"/> floats do not fit in one array.</exception>
    public static EmbeddingMatrix Generate(int count, int dimension, int seed = DefaultSeed, int clusters = DefaultClusters, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, VectorIndex.MaxDimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        long total = (long)count * dimension;
        if (total > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} x {dimension} floats do not fit in one array (at most {Array.MaxLength:N0}).");
        }

        // Centres beyond the row count are never used, so they are not made (centre c depends on
        // the seed and c only, so the rows do not change).
        float[] centres = Centres(seed, Math.Min(clusters, Math.Max(count, 1)), dimension);
        float[] values = GC.AllocateUninitializedArray<float>((int)total);
        float sigma = NoiseScale / MathF.Sqrt(dimension);
        int step = Math.Max(1, count / 100);
        var gate = new Lock();
        long done = 0, nextReport = step;
        int chunks = (count + ChunkRows - 1) / ChunkRows;
        Parallel.For(0, chunks, chunk =>
        {
            int first = chunk * ChunkRows;
            int end = Math.Min(count, first + ChunkRows);
            for (int row = first; row < end; row++)
            {
                ReadOnlySpan<float> centre = centres.AsSpan(row % clusters * dimension, dimension);
                var random = new SplitMix64(StreamSeed(seed, RowDomain, row));
                Span<float> target = values.AsSpan(row * dimension, dimension);
                for (int j = 0; j < target.Length; j++)
                {
                    target[j] = centre[j] + (sigma * random.NextGaussian());
                }

                Normalize(target);
            }

            if (progress is not null)
            {
                lock (gate)
                {
                    done += end - first;
                    if (done >= nextReport || done == count)
                    {
                        progress.Report((int)done);
                        nextReport = ((done / step) + 1) * step;
                    }
                }
            }
        });

        if (progress is not null && count == 0)
        {
            progress.Report(0);
        }

        return new EmbeddingMatrix(dimension, values);
    }

    /// <summary>
    /// <paramref name="count"/> queries near stored vectors: each a row of <paramref name="corpus"/>
    /// picked at random, plus Gaussian noise of <see cref="QueryNoiseScale"/> times its norm.
    /// </summary>
    /// <param name="corpus">The vectors to draw from; at least one.</param>
    /// <param name="count">Queries, 0 or more.</param>
    /// <param name="seed">The seed: the same arguments give the same queries, and fewer queries are a prefix of more.</param>
    /// <returns><paramref name="count"/> x <see cref="EmbeddingMatrix.Dimension"/> floats, query after query.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="corpus"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="corpus"/> holds no vector.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or too large for one array.</exception>
    public static float[] Queries(EmbeddingMatrix corpus, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (corpus.Count == 0)
        {
            throw new ArgumentException("The corpus holds no vector to draw queries near.", nameof(corpus));
        }

        int dimension = corpus.Dimension;
        if ((long)count * dimension > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} x {dimension} floats do not fit in one array.");
        }

        float[] queries = new float[count * dimension];
        var picker = new SplitMix64(StreamSeed(seed, QueryDomain, -1));
        for (int q = 0; q < count; q++)
        {
            ReadOnlySpan<float> row = corpus.Row(picker.NextInt(corpus.Count));
            Span<float> target = queries.AsSpan(q * dimension, dimension);
            float sigma = QueryNoiseScale * (float)VectorNorm(row) / MathF.Sqrt(dimension);
            var random = new SplitMix64(StreamSeed(seed, QueryDomain, q));
            for (int j = 0; j < dimension; j++)
            {
                target[j] = row[j] + (sigma * random.NextGaussian());
            }
        }

        return queries;
    }

    /// <summary>The document of the synthetic corpus for <paramref name="id"/>, assuming <see cref="DefaultClusters"/> clusters.</summary>
    /// <param name="id">The row's id (its row number in <see cref="Generate"/>'s output).</param>
    /// <returns>"Document <paramref name="id"/>" with a body naming its cluster; the same on every call.</returns>
    public static Document DocumentFor(long id) => DocumentFor(id, DefaultClusters);

    /// <summary>The document of the synthetic corpus for <paramref name="id"/> with <paramref name="clusters"/> clusters.</summary>
    /// <param name="id">The row's id (its row number in <see cref="Generate"/>'s output).</param>
    /// <param name="clusters">The clusters the corpus was generated with, at least 1.</param>
    /// <returns>"Document <paramref name="id"/>" with a body naming its cluster; the same on every call.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clusters"/> is below 1.</exception>
    public static Document DocumentFor(long id, int clusters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        long cluster = ((id % clusters) + clusters) % clusters;
        return new Document(
            id,
            $"Document {id}",
            $"cluster {cluster} of {clusters}: a synthetic passage whose embedding lies near centre {cluster}, with noise of norm {NoiseScale} (row {id}).");
    }

    /// <summary>An index over <paramref name="corpus"/>, with row <c>i</c> under id <c>i</c> (the ids <see cref="DocumentFor(long)"/> describes).</summary>
    /// <param name="corpus">The vectors.</param>
    /// <param name="metric">How vectors are scored.</param>
    /// <param name="kernel">The kernel; null for <see cref="SimilarityKernels.Default"/>.</param>
    /// <returns>A new index; the caller disposes it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="corpus"/> is null.</exception>
    /// <exception cref="ArgumentException">A row holds a NaN or an infinity.</exception>
    public static VectorIndex ToIndex(EmbeddingMatrix corpus, SimilarityMetric metric = SimilarityMetric.Cosine, ISimilarityKernel? kernel = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var index = new VectorIndex(corpus.Dimension, metric, kernel);
        try
        {
            long[] ids = new long[corpus.Count];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = i;
            }

            index.AddRange(ids, corpus.Values);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    private static float[] Centres(int seed, int clusters, int dimension)
    {
        float[] centres = new float[clusters * dimension];
        for (int c = 0; c < clusters; c++)
        {
            var random = new SplitMix64(StreamSeed(seed, CentreDomain, c));
            Span<float> centre = centres.AsSpan(c * dimension, dimension);
            for (int j = 0; j < centre.Length; j++)
            {
                centre[j] = random.NextGaussian();
            }

            Normalize(centre);
        }

        return centres;
    }

    private static double VectorNorm(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += (double)value * value;
        }

        return Math.Sqrt(sum);
    }

    private static void Normalize(Span<float> values)
    {
        double norm = VectorNorm(values);
        if (norm > 0)
        {
            float scale = (float)(1.0 / norm);
            for (int j = 0; j < values.Length; j++)
            {
                values[j] *= scale;
            }
        }
    }

    /// <summary>The seed of stream <paramref name="index"/> in <paramref name="domain"/>: the three mixed so nearby seeds and indexes give unrelated streams.</summary>
    private static ulong StreamSeed(int seed, ulong domain, long index) =>
        SplitMix64.Mix(SplitMix64.Mix(unchecked((ulong)(uint)seed ^ domain)) ^ unchecked((ulong)index * 0xD6E8FEB86659FD93UL));

    /// <summary>
    /// SplitMix64 (Steele, Lea and Flood): one 64-bit add and a mix per number, statistically
    /// sound for simulation and cheap to seed per row, which <see cref="Random"/> is not.
    /// </summary>
    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;
        private float _spare;
        private bool _hasSpare;

        public static ulong Mix(ulong z)
        {
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            return z ^ (z >> 31);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Next()
        {
            _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
            return Mix(_state);
        }

        /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
        public int NextInt(int bound) => (int)(((Next() >> 32) * (ulong)bound) >> 32);

        /// <summary>A standard normal deviate (Box–Muller, both values of each pair used).</summary>
        public float NextGaussian()
        {
            if (_hasSpare)
            {
                _hasSpare = false;
                return _spare;
            }

            ulong bits = Next();
            float u1 = ((bits >> 40) + 1) * (1.0f / (1 << 24)); // (0, 1]: the logarithm stays finite
            float u2 = ((bits >> 16) & 0xFFFFFF) * (1.0f / (1 << 24));
            float radius = MathF.Sqrt(-2f * MathF.Log(u1));
            (float sin, float cos) = MathF.SinCos(2f * MathF.PI * u2);
            _spare = radius * sin;
            _hasSpare = true;
            return radius * cos;
        }
    }
}
