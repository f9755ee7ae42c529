using System.Buffers;
using System.Diagnostics;

namespace CortexHybrid.Search;

/// <summary>Searching among a subset of the stored vectors (a filter on the ids), exactly.</summary>
public sealed partial class VectorIndex
{
    /// <summary>
    /// The <paramref name="k"/> vectors nearest to <paramref name="query"/> among those whose id is in
    /// <paramref name="candidates"/>, best first; ties go to the smaller id. Exact: every candidate
    /// is scored.
    /// </summary>
    /// <param name="query"><see cref="Dimension"/> finite floats.</param>
    /// <param name="k">How many to return, at least 1; fewer if fewer candidates are stored.</param>
    /// <param name="candidates">The ids a hit may have; ids not stored are ignored.</param>
    /// <returns>The hits, best first, with the same scores as <see cref="Search(ReadOnlySpan{float}, int)"/> (within the kernels' tolerance).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="candidates"/> is null.</exception>
    /// <exception cref="ArgumentException">The query's length is not <see cref="Dimension"/>, or it holds a NaN or an infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    /// <remarks>
    /// A small candidate set (a quarter of the rows or fewer) is scored id by id; a larger one by
    /// scanning every row in blocks with the kernel's batch dot product and keeping the candidates.
    /// Quantized storage scores the candidates on their float32 rows when they are kept (exact),
    /// and on their codes otherwise (the scores are then estimates, as in <see cref="Search(ReadOnlySpan{float}, int)"/>).
    /// </remarks>
    public SearchResult[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<long> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"The query has {query.Length} floats; the index's dimension is {Dimension}.", nameof(query));
        }

        int bad = VectorChecks.IndexOfNonFinite(query);
        if (bad >= 0)
        {
            throw new ArgumentException($"The query holds {query[bad]} at element {bad}: queries must be finite.", nameof(query));
        }

        float[] prepared = ArrayPool<float>.Shared.Rent(Dimension);
        try
        {
            Span<float> target = prepared.AsSpan(0, Dimension);
            if (Metric == SimilarityMetric.Cosine)
            {
                VectorChecks.Normalize(query, target);
            }
            else
            {
                query.CopyTo(target);
            }

            _lock.EnterReadLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                using Activity? activity = SearchActivities.StartSearch(_store.Count, Dimension, Metric, 1, k);
                activity?.SetTag("cortex.search.candidates", candidates.Count);
                if (!_store.HasFloats)
                {
                    return SearchCandidatesQuantized(prepared, k, candidates);
                }

                return candidates.Count <= _store.Count / 4
                    ? SearchCandidates(target, k, candidates)
                    : SearchScanning(target, k, candidates);
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

    /// <summary>Scores each candidate's row; the caller holds the read lock.</summary>
    private SearchResult[] SearchCandidates(ReadOnlySpan<float> query, int k, IReadOnlySet<long> candidates)
    {
        bool distance = Metric == SimilarityMetric.SquaredEuclidean;
        var selector = new TopKSelector(Math.Max(1, Math.Min(k, candidates.Count)));
        foreach (long id in candidates)
        {
            if (_positions.TryGetValue(id, out int position))
            {
                ReadOnlySpan<float> row = _store.Row(position);
                selector.Offer(distance ? -_kernel.SquaredEuclidean(query, row) : _kernel.Dot(query, row), id);
            }
        }

        return selector.Drain(distance);
    }

    /// <summary>Scores every row in blocks and keeps the candidates; the caller holds the read lock.</summary>
    private unsafe SearchResult[] SearchScanning(ReadOnlySpan<float> query, int k, IReadOnlySet<long> candidates)
    {
        int count = _store.Count;
        if (count == 0)
        {
            return [];
        }

        bool distance = Metric == SimilarityMetric.SquaredEuclidean;
        int blockRows = Math.Clamp(ManagedBlockBytes / (Dimension * sizeof(float)), 1, count);
        float[] scores = ArrayPool<float>.Shared.Rent(blockRows);
        var selector = new TopKSelector(Math.Min(k, count));
        try
        {
            for (int block = 0; block < count; block += blockRows)
            {
                int n = Math.Min(blockRows, count - block);
                var rows = new ReadOnlySpan<float>(_store.Rows + ((long)block * Dimension), n * Dimension);
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

                long* ids = _store.Ids + block;
                for (int r = 0; r < n; r++)
                {
                    if (candidates.Contains(ids[r]))
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

        return selector.Drain(distance);
    }
}
