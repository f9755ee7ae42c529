using System.Buffers;
using System.Diagnostics;
using CortexHybrid.Native;

namespace CortexHybrid.Search;

/// <summary>Searching: queries checked and prepared, rows split into partitions, partitions merged.</summary>
public sealed partial class VectorIndex
{
    /// <summary>Queries scored per pass over the rows: enough to make a pass compute-bound, few enough to stay in L1/L2.</summary>
    internal const int QueriesPerPass = 16;

    /// <summary>Floats of rows below which a search is not split: under about 50 µs of work, threads cost more than they save.</summary>
    internal const long MinPartitionFloats = 1 << 17;

    /// <summary>Rows the managed path scores as one block: about 256 KB, so the block stays in L2 while every query of a pass reads it.</summary>
    private const int ManagedBlockBytes = 256 * 1024;

    /// <summary>The <paramref name="k"/> stored vectors nearest to <paramref name="query"/>, best first; ties go to the smaller id.</summary>
    /// <param name="query"><see cref="Dimension"/> finite floats.</param>
    /// <param name="k">How many to return, at least 1; fewer if the index holds fewer.</param>
    /// <returns>The hits, best first: highest cosine or dot product, or smallest squared distance.</returns>
    /// <exception cref="ArgumentException">The query's length is not <see cref="Dimension"/>, or it holds a NaN or an infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public SearchResult[] Search(ReadOnlySpan<float> query, int k)
    {
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"The query has {query.Length} floats; the index's dimension is {Dimension}.", nameof(query));
        }

        return SearchBatch(query, k)[0];
    }

    /// <summary>The <paramref name="k"/> nearest stored vectors for each of several queries, scored together (each row is read once per 16 queries).</summary>
    /// <param name="rowMajorQueries">Queries of <see cref="Dimension"/> finite floats each, back to back.</param>
    /// <param name="k">How many to return per query, at least 1.</param>
    /// <returns>One array of hits per query, in query order, each best first.</returns>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="Dimension"/>, or a query holds a NaN or an infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public SearchResult[][] SearchBatch(ReadOnlySpan<float> rowMajorQueries, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        int queryCount = rowMajorQueries.Length / Dimension;
        if (queryCount * Dimension != rowMajorQueries.Length)
        {
            throw new ArgumentException(
                $"{rowMajorQueries.Length} floats are not a whole number of {Dimension}-float queries.", nameof(rowMajorQueries));
        }

        float[] prepared = ArrayPool<float>.Shared.Rent(Math.Max(1, rowMajorQueries.Length));
        try
        {
            for (int q = 0; q < queryCount; q++)
            {
                ReadOnlySpan<float> query = rowMajorQueries.Slice(q * Dimension, Dimension);
                int bad = VectorChecks.IndexOfNonFinite(query);
                if (bad >= 0)
                {
                    throw new ArgumentException(
                        $"Query {q} holds {query[bad]} at element {bad}: queries must be finite.", nameof(rowMajorQueries));
                }

                Span<float> target = prepared.AsSpan(q * Dimension, Dimension);
                if (Metric == SimilarityMetric.Cosine)
                {
                    VectorChecks.Normalize(query, target);
                }
                else
                {
                    query.CopyTo(target);
                }
            }

            _lock.EnterReadLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                using Activity? activity = SearchActivities.StartSearch(_store.Count, Dimension, Metric, queryCount, k);
                return SearchPrepared(prepared, queryCount, k);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(prepared);
        }
    }

    /// <summary>Searches prepared (checked, normalized) queries; the caller holds the read lock.</summary>
    private SearchResult[][] SearchPrepared(float[] queries, int queryCount, int k)
    {
        int rows = _store.Count;
        k = Math.Min(k, rows);
        var results = new SearchResult[queryCount][];
        if (k == 0)
        {
            // An empty index: every search path below assumes rows.
            Array.Fill(results, []);
            return results;
        }

        if (_signBits is SignBits bits)
        {
            return SearchPrefiltered(queries, queryCount, k, bits);
        }

        if (Storage != VectorStorage.Float32)
        {
            return SearchQuantized(queries, queryCount, k);
        }

        int groups = (queryCount + QueriesPerPass - 1) / QueriesPerPass;
        int partitions = (int)Math.Clamp((long)rows * Dimension / MinPartitionFloats, 1, Math.Min(MaxDegreeOfParallelism, rows));
        var work = new PartitionResult[groups * partitions];
        int items = work.Length;
        if (items == 1 || MaxDegreeOfParallelism == 1)
        {
            for (int item = 0; item < items; item++)
            {
                work[item] = ScoreItem(queries, queryCount, k, partitions, item);
            }
        }
        else
        {
            Parallel.For(
                0,
                items,
                new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism },
                item => work[item] = ScoreItem(queries, queryCount, k, partitions, item));
        }

        bool distance = Metric == SimilarityMetric.SquaredEuclidean;
        for (int group = 0; group < groups; group++)
        {
            int first = group * QueriesPerPass;
            int count = Math.Min(QueriesPerPass, queryCount - first);
            for (int g = 0; g < count; g++)
            {
                results[first + g] = partitions == 1
                    ? work[group * partitions].Results(g)
                    : Merge(work.AsSpan(group * partitions, partitions), g, k, distance);
            }
        }

        return results;
    }

    /// <summary>Scores one (query group, row partition) work item.</summary>
    private PartitionResult ScoreItem(float[] queries, int queryCount, int k, int partitions, int item)
    {
        int group = item / partitions;
        int partition = item % partitions;
        int rows = _store.Count;
        int start = (int)((long)rows * partition / partitions);
        int end = (int)((long)rows * (partition + 1) / partitions);
        int firstQuery = group * QueriesPerPass;
        int groupSize = Math.Min(QueriesPerPass, queryCount - firstQuery);
        ReadOnlySpan<float> groupQueries = queries.AsSpan(firstQuery * Dimension, groupSize * Dimension);
        int kept = Math.Min(k, end - start);
        var result = new PartitionResult(groupSize, kept);
        if (kept > 0)
        {
            if (_native)
            {
                ScoreNative(groupQueries, groupSize, start, end - start, result);
            }
            else
            {
                ScoreManaged(groupQueries, groupSize, start, end - start, result);
            }
        }

        return result;
    }

    private unsafe void ScoreNative(ReadOnlySpan<float> queries, int queryCount, int start, int count, PartitionResult result)
    {
        uint metric = Metric == SimilarityMetric.SquaredEuclidean ? NativeMethods.CORTEX_METRIC_SQUARED_EUCLIDEAN : NativeMethods.CORTEX_METRIC_DOT;
        fixed (float* q = queries)
        fixed (long* ids = result.Ids)
        fixed (float* scores = result.Scores)
        {
            NativeStatus status = NativeMethods.cortex_top_k_f32(
                metric,
                q,
                (nuint)queryCount,
                _store.Rows + ((long)start * Dimension),
                _store.Ids + start,
                (nuint)Dimension,
                (nuint)count,
                (nuint)result.K,
                ids,
                scores);
            if (status != NativeStatus.Ok)
            {
                throw new InvalidOperationException(
                    $"cortex_top_k_f32 returned {status} for arguments CortexHybrid had already checked: this is a bug in CortexHybrid.");
            }
        }
    }

    /// <summary>
    /// The kernel's batch dot over blocks of rows, every query of the group per block (so a block is
    /// read from memory once), selection in managed heaps; squared distances pair by pair.
    /// </summary>
    private unsafe void ScoreManaged(ReadOnlySpan<float> queries, int queryCount, int start, int count, PartitionResult result)
    {
        int blockRows = Math.Clamp(ManagedBlockBytes / (Dimension * sizeof(float)), 1, count);
        float[] scores = ArrayPool<float>.Shared.Rent(blockRows);
        var selectors = new TopKSelector[queryCount];
        for (int q = 0; q < queryCount; q++)
        {
            selectors[q] = new TopKSelector(result.K);
        }

        bool distance = Metric == SimilarityMetric.SquaredEuclidean;
        try
        {
            for (int block = start; block < start + count; block += blockRows)
            {
                int n = Math.Min(blockRows, start + count - block);
                var rows = new ReadOnlySpan<float>(_store.Rows + ((long)block * Dimension), n * Dimension);
                long* ids = _store.Ids + block;
                for (int q = 0; q < queryCount; q++)
                {
                    ReadOnlySpan<float> query = queries.Slice(q * Dimension, Dimension);
                    Span<float> blockScores = scores.AsSpan(0, n);
                    if (distance)
                    {
                        for (int r = 0; r < n; r++)
                        {
                            blockScores[r] = -_kernel.SquaredEuclidean(query, rows.Slice(r * Dimension, Dimension));
                        }
                    }
                    else
                    {
                        _kernel.DotBatch(query, rows, blockScores);
                    }

                    ref TopKSelector selector = ref selectors[q];
                    for (int r = 0; r < n; r++)
                    {
                        selector.Offer(blockScores[r], ids[r]);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }

        for (int q = 0; q < queryCount; q++)
        {
            SearchResult[] best = selectors[q].Drain(distance);
            for (int i = 0; i < best.Length; i++)
            {
                result.Ids[(q * result.K) + i] = best[i].Id;
                result.Scores[(q * result.K) + i] = best[i].Score;
            }
        }
    }

    /// <summary>The best <paramref name="k"/> of one query's hits across partitions.</summary>
    private static SearchResult[] Merge(ReadOnlySpan<PartitionResult> partitions, int query, int k, bool distance)
    {
        var selector = new TopKSelector(k);
        foreach (PartitionResult partition in partitions)
        {
            for (int i = 0; i < partition.K; i++)
            {
                float score = partition.Scores[(query * partition.K) + i];
                selector.Offer(distance ? -score : score, partition.Ids[(query * partition.K) + i]);
            }
        }

        return selector.Drain(distance);
    }

    /// <summary>One work item's hits: <see cref="K"/> per query of its group, best first.</summary>
    private sealed class PartitionResult(int queries, int k)
    {
        public int K { get; } = k;

        public long[] Ids { get; } = new long[queries * k];

        public float[] Scores { get; } = new float[queries * k];

        public SearchResult[] Results(int query)
        {
            var results = new SearchResult[K];
            for (int i = 0; i < K; i++)
            {
                results[i] = new SearchResult(Ids[(query * K) + i], Scores[(query * K) + i]);
            }

            return results;
        }
    }
}
