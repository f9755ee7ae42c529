using System.Runtime.InteropServices;

namespace CortexHybrid.Search;

/// <summary>
/// The sign-bit prefilter: a first pass over one bit per element ranks every row by the Hamming
/// distance of its signs to the query's, and only the best <c>k x SignPrefilter</c> rows are
/// scored in the index's own storage (and rescored in float32 where kept).
/// </summary>
public sealed partial class VectorIndex
{
    /// <summary>The largest <see cref="SignPrefilter"/> accepted.</summary>
    public const int MaxSignPrefilter = 10_000;

    private SignBits? _signBits;
    private int _signPrefilter;

    /// <summary>
    /// 0 (the default): every search scores every row. Above 0, for <see cref="SimilarityMetric.Cosine"/>
    /// only: a search first ranks every row by the Hamming distance between its sign bits (one bit
    /// per element, set where the stored element is above zero: the float row, or the int8 or
    /// bfloat16 code) and the query's, keeps the best <c>k x SignPrefilter</c> (ties at the cut to
    /// the smaller id), then searches only those as the index otherwise searches every row: the
    /// quantized scan for the best <c>k x </c><see cref="Oversample"/> and the float32 rescoring,
    /// or the float32 scores for float32 storage. The result is exact whenever the true top k is
    /// among the rows the bits kept, and approximate otherwise (recall figures in the README). It
    /// reads 1/32 of the float32 bytes per row; the bits take <c>Dimension / 8</c> bytes a row
    /// (in <see cref="MemoryBytes"/>). Not saved with the index: set it again after
    /// <see cref="Load(Stream, Simd.ISimilarityKernel?)"/>. Filtered searches do not use it.
    /// Setting a value above 0 computes the bits of every row (under the write lock); 0 drops them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above <see cref="MaxSignPrefilter"/>.</exception>
    /// <exception cref="InvalidOperationException">A value above 0 for a metric other than <see cref="SimilarityMetric.Cosine"/> (signs estimate angles, not dot products or distances of unnormalized rows).</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public int SignPrefilter
    {
        get => Volatile.Read(ref _signPrefilter);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxSignPrefilter);
            if (value > 0 && Metric != SimilarityMetric.Cosine)
            {
                throw new InvalidOperationException(
                    $"SignPrefilter needs the Cosine metric; this index scores by {Metric}, for which the signs of the elements do not rank rows.");
            }

            _lock.EnterWriteLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (value == 0)
                {
                    _signBits = null;
                }
                else if (_signBits is null)
                {
                    _signBits = new SignBits(Dimension, _store.Capacity);
                    for (int position = 0; position < _store.Count; position++)
                    {
                        WriteSignBits(position);
                    }
                }

                Volatile.Write(ref _signPrefilter, value);
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
    }

    /// <summary>Writes the sign bits of the row at <paramref name="position"/> from what a search scans; nothing without a prefilter. The caller holds the write lock.</summary>
    private void WriteSignBits(int position)
    {
        if (_signBits is null)
        {
            return;
        }

        Span<ulong> target = _signBits.RowForWrite(position);
        switch (Storage)
        {
            case VectorStorage.Int8:
                SignBits.FromInt8(MemoryMarshal.Cast<byte, sbyte>(_store.CodeRow(position)), target);
                break;
            case VectorStorage.BFloat16:
                SignBits.FromBFloat16(MemoryMarshal.Cast<byte, ushort>(_store.CodeRow(position)), target);
                break;
            default:
                SignBits.FromSingle(_store.Row(position), target);
                break;
        }
    }

    /// <summary>Rewrites every row's sign bits (the int8 codes were requantized). The caller holds the write lock.</summary>
    private void RewriteSignBits()
    {
        for (int position = 0; _signBits is not null && position < _store.Count; position++)
        {
            WriteSignBits(position);
        }
    }

    /// <summary>Searches prepared queries through the prefilter, one query at a time; the caller holds the read lock.</summary>
    private SearchResult[][] SearchPrefiltered(float[] queries, int queryCount, int k, SignBits bits)
    {
        int rows = _store.Count;
        k = Math.Min(k, rows);
        var results = new SearchResult[queryCount][];
        int kept = (int)Math.Min((long)k * SignPrefilter, rows);
        int[] distances = new int[rows];
        ulong[] queryBits = new ulong[bits.WordsPerRow];
        int partitions = (int)Math.Clamp((long)rows * bits.WordsPerRow * 2 / MinPartitionFloats, 1, Math.Min(MaxDegreeOfParallelism, rows));
        int[][] histograms = new int[partitions][];
        for (int p = 0; p < partitions; p++)
        {
            histograms[p] = new int[Dimension + 1];
        }

        QuantizedQueries prepared = default;
        for (int q = 0; q < queryCount; q++)
        {
            ReadOnlySpan<float> query = queries.AsSpan(q * Dimension, Dimension);
            if (k == 0)
            {
                results[q] = [];
                continue;
            }

            if (Storage != VectorStorage.Float32)
            {
                prepared = QuantizeQueries(queries.AsSpan(q * Dimension, Dimension).ToArray(), 1);
            }

            SignBits.FromSingle(query, queryBits);
            ScanSignBits(bits, queryBits, distances, histograms);
            SearchResult[] candidates = KeepNearest(distances, histograms, kept);
            results[q] = ScoreCandidates(query, prepared, candidates, k);
        }

        return results;
    }

    /// <summary>Hamming distances of every row, and their histogram (one per partition, summed into the first).</summary>
    private void ScanSignBits(SignBits bits, ulong[] queryBits, int[] distances, int[][] histograms)
    {
        int rows = distances.Length;
        int partitions = histograms.Length;
        void Scan(int partition)
        {
            int start = (int)((long)rows * partition / partitions);
            int end = (int)((long)rows * (partition + 1) / partitions);
            Array.Clear(histograms[partition]);
            bits.Distances(queryBits, start, distances.AsSpan(start, end - start), histograms[partition]);
        }

        if (partitions == 1)
        {
            Scan(0);
            return;
        }

        Parallel.For(0, partitions, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism }, Scan);
        int[] total = histograms[0];
        for (int p = 1; p < partitions; p++)
        {
            for (int d = 0; d < total.Length; d++)
            {
                total[d] += histograms[p][d];
            }
        }
    }

    /// <summary>The ids of the <paramref name="kept"/> rows of smallest distance, ties at the cut to the smaller id (scores unset).</summary>
    private SearchResult[] KeepNearest(int[] distances, int[][] histograms, int kept)
    {
        int[] histogram = histograms[0];
        int cut = 0;
        int below = 0;
        while (below + histogram[cut] < kept)
        {
            below += histogram[cut];
            cut++;
        }

        // Every row nearer than the cut is kept; of the rows at the cut, the smaller ids fill the rest.
        var candidates = new SearchResult[kept];
        var atCut = new List<long>(histogram[cut]);
        int filled = 0;
        for (int position = 0; position < distances.Length; position++)
        {
            int distance = distances[position];
            if (distance < cut)
            {
                candidates[filled++] = new SearchResult(_store.Id(position), 0);
            }
            else if (distance == cut)
            {
                atCut.Add(_store.Id(position));
            }
        }

        atCut.Sort();
        for (int i = 0; filled < kept; i++)
        {
            candidates[filled++] = new SearchResult(atCut[i], 0);
        }

        return candidates;
    }

    /// <summary>The best <paramref name="k"/> of the candidates as the storage scores them: quantized keys then float32 rescoring, or float32 alone.</summary>
    private SearchResult[] ScoreCandidates(ReadOnlySpan<float> query, QuantizedQueries prepared, SearchResult[] candidates, int k)
    {
        if (Storage == VectorStorage.Float32)
        {
            return Rescore(query, candidates, k);
        }

        int best = _store.HasFloats ? (int)Math.Min((long)k * Oversample, candidates.Length) : Math.Min(k, candidates.Length);
        var selector = new TopKSelector(best);
        foreach (SearchResult candidate in candidates)
        {
            selector.Offer(QuantizedKey(prepared, _positions[candidate.Id]), candidate.Id);
        }

        SearchResult[] top = selector.Drain(negateKeys: false);
        return _store.HasFloats ? Rescore(query, top, k) : KeysToScores(query, top);
    }
}
