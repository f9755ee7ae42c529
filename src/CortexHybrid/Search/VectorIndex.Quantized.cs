using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using CortexHybrid.Native;
using CortexHybrid.Simd;

namespace CortexHybrid.Search;

/// <summary>
/// Quantized storage: rows encoded as they are added, int8 scales fitted and refitted, and the
/// two-stage search (quantized scan for <c>k x Oversample</c> candidates, float32 rescoring).
/// </summary>
public sealed partial class VectorIndex
{
    /// <summary>Rows of the first batch the int8 scales are fitted on; later rows refit them if they drift.</summary>
    private const int FirstFitRows = 10_000;

    /// <summary>
    /// Without full-precision rows: the float32 rows of the int8 rows clamped since the last fit,
    /// by id, so a refit encodes them from their values rather than from their clamped codes.
    /// At most about 1% of the rows (the refit threshold), so at most about 4% more bytes than the codes.
    /// </summary>
    private readonly Dictionary<long, float[]> _clampedRows = [];

    /// <summary>How many times the int8 scales were fitted (1 after the first add, then one per refit); 0 for other storage.</summary>
    internal int Int8Fits => _scales?.Fits ?? 0;

    /// <summary>The int8 scales' largest magnitudes per dimension (empty for other storage).</summary>
    internal ReadOnlySpan<float> Int8Maxima => _scales is null ? [] : _scales.Maxima;

    /// <summary>Fits the int8 scales on the first rows an empty index receives; the caller holds the write lock.</summary>
    private void FitInt8IfFirst(ReadOnlySpan<float> rowMajorVectors)
    {
        if (_scales is null || _scales.IsFitted)
        {
            return;
        }

        _scales.BeginFit(fromObserved: false);
        Span<float> prepared = new float[Dimension];
        int rows = Math.Min(FirstFitRows, rowMajorVectors.Length / Dimension);
        for (int r = 0; r < rows; r++)
        {
            _scales.Include(PrepareRow(rowMajorVectors.Slice(r * Dimension, Dimension), prepared));
        }

        _scales.CompleteFit();
    }

    /// <summary>
    /// Refits the int8 scales once too many rows fell outside them, and requantizes every row:
    /// from its float32 row when kept, else from its codes (the scales only widen then, to the
    /// largest magnitudes ever added, so a requantized code loses at most half a step more).
    /// </summary>
    private void RefitInt8IfDrifted()
    {
        if (_scales is null || !_scales.Drifted(_store.Count))
        {
            return;
        }

        float[] previous = _scales.Maxima.ToArray();
        _scales.BeginFit(fromObserved: !_store.HasFloats);
        if (_store.HasFloats)
        {
            for (int i = 0; i < _store.Count; i++)
            {
                _scales.Include(_store.Row(i));
            }
        }

        _scales.CompleteFit();
        Span<float> decoded = new float[Dimension];
        for (int i = 0; i < _store.Count; i++)
        {
            Span<sbyte> codes = MemoryMarshal.Cast<byte, sbyte>(_store.CodeRow(i));
            if (_store.HasFloats)
            {
                _scales.EncodeRow(_store.Row(i), codes);
            }
            else if (_clampedRows.TryGetValue(_store.Id(i), out float[]? clamped))
            {
                _scales.EncodeRow(clamped, codes);
            }
            else
            {
                Int8Scales.DecodeRow(codes, previous, decoded);
                _scales.EncodeRow(decoded, codes);
            }
        }

        _clampedRows.Clear();
        RewriteSignBits();

        Debug.Assert(!_scales.Drifted(_store.Count) && _scales.ClippedSinceFit == 0);
    }

    /// <summary>The row as the index stores it: normalized for cosine, else as given.</summary>
    private ReadOnlySpan<float> PrepareRow(ReadOnlySpan<float> vector, Span<float> buffer)
    {
        if (Metric != SimilarityMetric.Cosine)
        {
            return vector;
        }

        VectorChecks.Normalize(vector, buffer);
        return buffer;
    }

    /// <summary>Writes the codes and bias of the row at <paramref name="position"/> (prepared); nothing for float32 storage.</summary>
    private void EncodeRow(int position, ReadOnlySpan<float> row)
    {
        if (Storage == VectorStorage.Float32)
        {
            return;
        }

        Span<byte> codes = _store.CodeRow(position);
        if (_scales is not null)
        {
            if (_scales.EncodeRow(row, MemoryMarshal.Cast<byte, sbyte>(codes)) && !_store.HasFloats)
            {
                _clampedRows[_store.Id(position)] = row.ToArray();
            }
        }
        else
        {
            BFloat16Bits.FromSingle(row, MemoryMarshal.Cast<byte, ushort>(codes));
        }

        // Squared Euclidean ranks by 2·q·r - |r|² (|q|² is the same for every row); the exact
        // |r|² is kept, so the only error in a key is the dot product's.
        _store.Bias[position] = Metric == SimilarityMetric.SquaredEuclidean ? (float)-SquaredNorm(row) : 0f;
    }

    private static double SquaredNorm(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += (double)value * value;
        }

        return sum;
    }

    /// <summary>Searches prepared queries over the quantized rows; the caller holds the read lock.</summary>
    private SearchResult[][] SearchQuantized(float[] queries, int queryCount, int k)
    {
        Debug.Assert(k >= 1 && k <= _store.Count);
        int rows = _store.Count;
        var results = new SearchResult[queryCount][];
        int candidates = _store.HasFloats ? (int)Math.Min((long)k * Oversample, rows) : k;
        QuantizedQueries prepared = QuantizeQueries(queries, queryCount);
        int groups = (queryCount + QueriesPerPass - 1) / QueriesPerPass;
        long scannedFloats = (long)rows * _store.CodeBytesPerRow / sizeof(float);
        int partitions = (int)Math.Clamp(scannedFloats / MinPartitionFloats, 1, Math.Min(MaxDegreeOfParallelism, rows));
        var work = new PartitionResult[groups * partitions];
        if (work.Length == 1 || MaxDegreeOfParallelism == 1)
        {
            for (int item = 0; item < work.Length; item++)
            {
                work[item] = ScoreQuantizedItem(prepared, queryCount, candidates, partitions, item);
            }
        }
        else
        {
            Parallel.For(
                0,
                work.Length,
                new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism },
                item => work[item] = ScoreQuantizedItem(prepared, queryCount, candidates, partitions, item));
        }

        for (int group = 0; group < groups; group++)
        {
            int first = group * QueriesPerPass;
            int count = Math.Min(QueriesPerPass, queryCount - first);
            for (int g = 0; g < count; g++)
            {
                // Quantized keys are higher-better for every metric.
                SearchResult[] best = partitions == 1
                    ? work[group * partitions].Results(g)
                    : Merge(work.AsSpan(group * partitions, partitions), g, candidates, distance: false);
                ReadOnlySpan<float> query = queries.AsSpan((first + g) * Dimension, Dimension);
                results[first + g] = _store.HasFloats ? Rescore(query, best, k) : KeysToScores(query, best);
            }
        }

        return results;
    }

    /// <summary>
    /// The best <paramref name="k"/> candidates by their float32 score, computed exactly as a
    /// float32 search computes it: the native path gathers the candidates' rows and runs the same
    /// fused top-k over them (its sums are not the pair kernel's to the last bit), the others score
    /// with the kernel's dot product or distance.
    /// </summary>
    private unsafe SearchResult[] Rescore(ReadOnlySpan<float> query, SearchResult[] candidates, int k)
    {
        bool distance = Metric == SimilarityMetric.SquaredEuclidean;
        k = Math.Min(k, candidates.Length);
        if (!_native)
        {
            var selector = new TopKSelector(k);
            foreach (SearchResult candidate in candidates)
            {
                ReadOnlySpan<float> row = _store.Row(_positions[candidate.Id]);
                selector.Offer(distance ? -_kernel.SquaredEuclidean(query, row) : _kernel.Dot(query, row), candidate.Id);
            }

            return selector.Drain(distance);
        }

        float[] rows = ArrayPool<float>.Shared.Rent(candidates.Length * Dimension);
        long[] ids = ArrayPool<long>.Shared.Rent(candidates.Length);
        try
        {
            for (int i = 0; i < candidates.Length; i++)
            {
                ids[i] = candidates[i].Id;
                _store.Row(_positions[candidates[i].Id]).CopyTo(rows.AsSpan(i * Dimension, Dimension));
            }

            var result = new PartitionResult(1, k);
            uint metric = distance ? NativeMethods.CORTEX_METRIC_SQUARED_EUCLIDEAN : NativeMethods.CORTEX_METRIC_DOT;
            fixed (float* q = query)
            fixed (float* r = rows)
            fixed (long* i = ids)
            fixed (long* resultIds = result.Ids)
            fixed (float* resultScores = result.Scores)
            {
                NativeStatus status = NativeMethods.cortex_top_k_f32(metric, q, 1, r, i, (nuint)Dimension, (nuint)candidates.Length, (nuint)k, resultIds, resultScores);
                if (status != NativeStatus.Ok)
                {
                    throw new InvalidOperationException(
                        $"cortex_top_k_f32 returned {status} for arguments CortexHybrid had already checked: this is a bug in CortexHybrid.");
                }
            }

            return result.Results(0);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rows);
            ArrayPool<long>.Shared.Return(ids);
        }
    }

    /// <summary>The quantized keys as scores: the estimated dot product or cosine, or <c>|q|² - key</c> (at least 0) for squared distance.</summary>
    private SearchResult[] KeysToScores(ReadOnlySpan<float> query, SearchResult[] best)
    {
        if (Metric != SimilarityMetric.SquaredEuclidean)
        {
            return best;
        }

        float squaredNorm = (float)SquaredNorm(query);
        for (int i = 0; i < best.Length; i++)
        {
            best[i] = best[i] with { Score = MathF.Max(0, squaredNorm - best[i].Score) };
        }

        return best;
    }

    /// <summary>The queries in the rows' code: int8 codes with one scale each, or bfloat16 with scale 1 (2 for squared distance, whose key is <c>2·q·r - |r|²</c>).</summary>
    private QuantizedQueries QuantizeQueries(float[] queries, int queryCount)
    {
        var codes = new byte[queryCount * _store.CodeBytesPerRow];
        var scales = new float[queryCount];
        float factor = Metric == SimilarityMetric.SquaredEuclidean ? 2f : 1f;
        for (int q = 0; q < queryCount; q++)
        {
            ReadOnlySpan<float> query = queries.AsSpan(q * Dimension, Dimension);
            Span<byte> target = codes.AsSpan(q * _store.CodeBytesPerRow, _store.CodeBytesPerRow);
            scales[q] = factor * (_scales is not null
                ? _scales.EncodeQuery(query, MemoryMarshal.Cast<byte, sbyte>(target))
                : EncodeBFloat16(query, MemoryMarshal.Cast<byte, ushort>(target)));
        }

        return new QuantizedQueries(codes, scales);
    }

    private static float EncodeBFloat16(ReadOnlySpan<float> query, Span<ushort> codes)
    {
        BFloat16Bits.FromSingle(query, codes);
        return 1f;
    }

    /// <summary>Scores one (query group, row partition) work item over the codes.</summary>
    private PartitionResult ScoreQuantizedItem(QuantizedQueries queries, int queryCount, int candidates, int partitions, int item)
    {
        int group = item / partitions;
        int partition = item % partitions;
        int rows = _store.Count;
        int start = (int)((long)rows * partition / partitions);
        int end = (int)((long)rows * (partition + 1) / partitions);
        int firstQuery = group * QueriesPerPass;
        int groupSize = Math.Min(QueriesPerPass, queryCount - firstQuery);
        var result = new PartitionResult(groupSize, Math.Min(candidates, end - start));
        if (result.K > 0)
        {
            QuantizedQueries slice = queries.Slice(firstQuery, groupSize, _store.CodeBytesPerRow);
            if (_native)
            {
                ScoreQuantizedNative(slice, groupSize, start, end - start, result);
            }
            else
            {
                ScoreQuantizedManaged(slice, groupSize, start, end - start, result);
            }
        }

        return result;
    }

    private unsafe void ScoreQuantizedNative(QuantizedQueries queries, int queryCount, int start, int count, PartitionResult result)
    {
        bool biased = Metric == SimilarityMetric.SquaredEuclidean;
        fixed (byte* q = queries.Codes.Span)
        fixed (float* scales = queries.Scales.Span)
        fixed (float* bias = _store.BiasArray)
        fixed (long* ids = result.Ids)
        fixed (float* scores = result.Scores)
        {
            byte* rows = _store.Codes + ((long)start * _store.CodeBytesPerRow);
            float* rowBias = biased ? bias + start : null;
            NativeStatus status = _scales is not null
                ? NativeMethods.cortex_top_k_i8((sbyte*)q, (nuint)queryCount, scales, (sbyte*)rows, rowBias, _store.Ids + start, (nuint)Dimension, (nuint)count, (nuint)result.K, ids, scores)
                : NativeMethods.cortex_top_k_bf16((ushort*)q, (nuint)queryCount, scales, (ushort*)rows, rowBias, _store.Ids + start, (nuint)Dimension, (nuint)count, (nuint)result.K, ids, scores);
            if (status != NativeStatus.Ok)
            {
                throw new InvalidOperationException(
                    $"cortex_top_k_{(_scales is not null ? "i8" : "bf16")} returned {status} for arguments CortexHybrid had already checked: this is a bug in CortexHybrid.");
            }
        }
    }

    /// <summary>The quantized kernel's batch dot over blocks of codes (each block read once for every query of the group), selection in managed heaps.</summary>
    private unsafe void ScoreQuantizedManaged(QuantizedQueries queries, int queryCount, int start, int count, PartitionResult result)
    {
        Debug.Assert(_quantized is not null);
        int codeBytes = _store.CodeBytesPerRow;
        int blockRows = Math.Clamp(ManagedBlockBytes / codeBytes, 1, count);
        int[] dots = ArrayPool<int>.Shared.Rent(blockRows);
        float[] bf16Dots = ArrayPool<float>.Shared.Rent(blockRows);
        var selectors = new TopKSelector[queryCount];
        for (int q = 0; q < queryCount; q++)
        {
            selectors[q] = new TopKSelector(result.K);
        }

        ReadOnlySpan<float> bias = _store.Bias;
        try
        {
            for (int block = start; block < start + count; block += blockRows)
            {
                int n = Math.Min(blockRows, start + count - block);
                var rows = new ReadOnlySpan<byte>(_store.Codes + ((long)block * codeBytes), n * codeBytes);
                long* ids = _store.Ids + block;
                for (int q = 0; q < queryCount; q++)
                {
                    ReadOnlySpan<byte> query = queries.Codes.Span.Slice(q * codeBytes, codeBytes);
                    float scale = queries.Scales.Span[q];
                    ref TopKSelector selector = ref selectors[q];
                    if (_scales is not null)
                    {
                        _quantized.DotBatchInt8(MemoryMarshal.Cast<byte, sbyte>(query), MemoryMarshal.Cast<byte, sbyte>(rows), dots.AsSpan(0, n));
                        for (int r = 0; r < n; r++)
                        {
                            selector.Offer((scale * dots[r]) + bias[block + r], ids[r]);
                        }
                    }
                    else
                    {
                        _quantized.DotBatchBFloat16(MemoryMarshal.Cast<byte, ushort>(query), MemoryMarshal.Cast<byte, ushort>(rows), bf16Dots.AsSpan(0, n));
                        for (int r = 0; r < n; r++)
                        {
                            selector.Offer((scale * bf16Dots[r]) + bias[block + r], ids[r]);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(dots);
            ArrayPool<float>.Shared.Return(bf16Dots);
        }

        for (int q = 0; q < queryCount; q++)
        {
            SearchResult[] best = selectors[q].Drain(negateKeys: false);
            for (int i = 0; i < best.Length; i++)
            {
                result.Ids[(q * result.K) + i] = best[i].Id;
                result.Scores[(q * result.K) + i] = best[i].Score;
            }
        }
    }

    /// <summary>The quantized key of one row for one query (filtered search without full-precision rows).</summary>
    private float QuantizedKey(QuantizedQueries query, int position)
    {
        Debug.Assert(_quantized is not null);
        ReadOnlySpan<byte> codes = _store.CodeRow(position);
        float dot = _scales is not null
            ? _quantized.DotInt8(MemoryMarshal.Cast<byte, sbyte>(query.Codes.Span), MemoryMarshal.Cast<byte, sbyte>(codes))
            : _quantized.DotBFloat16(MemoryMarshal.Cast<byte, ushort>(query.Codes.Span), MemoryMarshal.Cast<byte, ushort>(codes));
        return (query.Scales.Span[0] * dot) + _store.Bias[position];
    }

    /// <summary>Filtered search over the codes alone (no full-precision rows); the caller holds the read lock.</summary>
    private SearchResult[] SearchCandidatesQuantized(float[] query, int k, IReadOnlySet<long> candidates)
    {
        int count = _store.Count;
        if (count == 0)
        {
            return [];
        }

        QuantizedQueries prepared = QuantizeQueries(query, 1);
        var selector = new TopKSelector(Math.Max(1, Math.Min(k, Math.Min(count, candidates.Count))));
        if (candidates.Count <= count / 4)
        {
            foreach (long id in candidates)
            {
                if (_positions.TryGetValue(id, out int position))
                {
                    selector.Offer(QuantizedKey(prepared, position), id);
                }
            }
        }
        else
        {
            for (int position = 0; position < count; position++)
            {
                long id = _store.Id(position);
                if (candidates.Contains(id))
                {
                    selector.Offer(QuantizedKey(prepared, position), id);
                }
            }
        }

        return KeysToScores(query.AsSpan(0, Dimension), selector.Drain(negateKeys: false));
    }

    /// <summary>Queries in the rows' code, back to back, with one scale each.</summary>
    private readonly record struct QuantizedQueries(ReadOnlyMemory<byte> Codes, ReadOnlyMemory<float> Scales)
    {
        public QuantizedQueries(byte[] codes, float[] scales)
            : this((ReadOnlyMemory<byte>)codes, scales)
        {
        }

        public QuantizedQueries Slice(int first, int count, int codeBytes) =>
            new(Codes.Slice(first * codeBytes, count * codeBytes), Scales.Slice(first, count));
    }
}
