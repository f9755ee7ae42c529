using System.Diagnostics;
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
    /// The selections of the last prefiltered search, taken by the next (a concurrent one makes its
    /// own): their lists grow to thousands of rows a query, which allocated 147 KB a search.
    /// </summary>
    private SignSelection[]? _spareSelections;

    /// <summary>
    /// 0 (the default): every search scores every row. Above 0, for <see cref="SimilarityMetric.Cosine"/>
    /// only: a search first ranks every row by the Hamming distance between its sign bits (one bit
    /// per element, set where the stored element is above zero: the float row, or the int8 or
    /// bfloat16 code) and the query's, keeps the best <c>k x SignPrefilter</c> (ties at the cut in
    /// the order the index holds its rows), then searches only those as the index otherwise searches every row: the
    /// quantized scan for the best <c>k x </c><see cref="Oversample"/> and the float32 rescoring,
    /// or the float32 scores for float32 storage. The result is exact whenever the true top k is
    /// among the rows the bits kept, and approximate otherwise (recall figures in the README; with
    /// bfloat16 codes and no float32 rows, a kept row's estimate may differ from the full scan's in
    /// the last bit, its sum being added in another order). It
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

        Span<ulong> bits = stackalloc ulong[_signBits.WordsPerRow];
        switch (Storage)
        {
            case VectorStorage.Int8:
                SignBits.FromInt8(MemoryMarshal.Cast<byte, sbyte>(_store.CodeRow(position)), bits);
                break;
            case VectorStorage.BFloat16:
                SignBits.FromBFloat16(MemoryMarshal.Cast<byte, ushort>(_store.CodeRow(position)), bits);
                break;
            default:
                SignBits.FromSingle(_store.Row(position), bits);
                break;
        }

        _signBits.Write(position, bits);
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
        Debug.Assert(k >= 1 && k <= _store.Count);
        int rows = _store.Count;
        var results = new SearchResult[queryCount][];
        int kept = (int)Math.Min((long)k * SignPrefilter, rows);

        // Partitions are whole blocks of rows; the bits are 1/32 of the float bytes, so a
        // partition takes 32 times the rows a float partition does.
        int blocks = SignBits.Blocks(rows);
        int partitions = (int)Math.Clamp((long)rows * bits.WordsPerRow * 2 / MinPartitionFloats, 1, Math.Min(MaxDegreeOfParallelism, blocks));
        SignSelection[] selections = Interlocked.Exchange(ref _spareSelections, null) is { } spare && spare.Length == partitions
            ? spare
            : new SignSelection[partitions];
        for (int p = 0; p < partitions; p++)
        {
            selections[p] ??= new SignSelection(Math.Max(kept, 1), Dimension);
        }

        ulong[] queryBits = new ulong[bits.WordsPerRow];
        SignScanWidth width = SignBits.BestWidth;
        for (int q = 0; q < queryCount; q++)
        {
            ReadOnlySpan<float> query = queries.AsSpan(q * Dimension, Dimension);
            SignBits.FromSingle(query, queryBits);
            void Scan(int partition)
            {
                int start = (int)((long)blocks * partition / partitions) * SignBits.BlockRows;
                int end = Math.Min(rows, (int)((long)blocks * (partition + 1) / partitions) * SignBits.BlockRows);
                selections[partition].Reset(Math.Max(kept, 1));
                bits.Scan(queryBits, start, end, selections[partition], width);
            }

            if (partitions == 1)
            {
                Scan(0);
            }
            else
            {
                Parallel.For(0, partitions, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism }, Scan);
            }

            int[] nearest = SignSelection.Nearest(selections, kept);
            results[q] = ScoreCandidates(query, nearest, k);
        }

        Volatile.Write(ref _spareSelections, selections);
        return results;
    }

    /// <summary>The best <paramref name="k"/> of the rows at <paramref name="positions"/> as the storage scores them: quantized keys then float32 rescoring, or float32 alone.</summary>
    private SearchResult[] ScoreCandidates(ReadOnlySpan<float> query, int[] positions, int k)
    {
        if (Storage == VectorStorage.Float32)
        {
            var all = new SearchResult[positions.Length];
            for (int i = 0; i < positions.Length; i++)
            {
                all[i] = new SearchResult(_store.Id(positions[i]), 0);
            }

            return Rescore(query, all, k);
        }

        QuantizedQueries prepared = QuantizeQueries(query.ToArray(), 1);
        int best = _store.HasFloats ? (int)Math.Min((long)k * Oversample, positions.Length) : Math.Min(k, positions.Length);
        var selector = new TopKSelector(best);

        // The candidates' codes are scattered over the table: ask for the rows a few candidates
        // ahead so their cache misses overlap with the scoring of the ones before.
        const int PrefetchDistance = 8;
        for (int i = 0; i < positions.Length; i++)
        {
            if (i + PrefetchDistance < positions.Length)
            {
                _store.PrefetchCodes(positions[i + PrefetchDistance]);
            }

            selector.Offer(QuantizedKey(prepared, positions[i]), _store.Id(positions[i]));
        }

        SearchResult[] top = selector.Drain(negateKeys: false);
        return _store.HasFloats ? Rescore(query, top, k) : KeysToScores(query, top);
    }
}
