using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CortexHybrid.Search;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// <see cref="VectorIndex"/> search over 200,000 rows of 768 floats (614 MB: read from memory, not
/// cache), cosine, k = 10, with the native kernel. Seeded xorshift data; each query is a stored row
/// plus as much noise again, so its nearest row is known and every benchmark is checked to find it.
/// </summary>
/// <remarks>
/// <para>
/// TopKvsBatch: one query. The baseline is the least work a search can do: the native
/// <see cref="ISimilarityKernel.CosineBatch"/> of the query against every row (rows pre-normalized,
/// 64-byte aligned, as the index stores them) into a float[] of scores, one thread, no selection.
/// <see cref="TopK_Search_OneThread"/> is <see cref="VectorIndex.Search"/> with
/// <see cref="VectorIndex.MaxDegreeOfParallelism"/> = 1: scoring fused with top-k selection, so its
/// ratio shows what selection and the search's own overhead cost (the target: at most 1.1).
/// <see cref="TopK_Search_AllCores"/> is the same on every core, for information.
/// <see cref="TopK_NativeDotBatch"/>, also for information, is the native
/// <see cref="ISimilarityKernel.DotBatch"/> into the same float[]: what the index computes on its
/// normalized rows (CosineBatch also sums each row's norm), so the two baselines bracket the
/// scoring floor.
/// <see cref="TopK_TensorPrimitivesLoopFullSort"/> is what a user writes without the index:
/// <see cref="TensorPrimitives.CosineSimilarity(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per
/// row into a float[], then <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[])"/> of a copy of
/// the scores with the ids and the last 10 taken.
/// </para>
/// <para>
/// Batch16 (one thread) and Batch16AllCores: 16 queries as 16 <see cref="VectorIndex.Search"/>
/// calls (the baseline) against one <see cref="VectorIndex.SearchBatch"/> of all 16, which reads
/// every row once for the 16 instead of 16 times. OperationsPerInvoke = 16: times are per query,
/// and queries per second = 1e9 / time in ns (the Queries/s column). The target: SearchBatch at
/// least 5x the queries per second of single searches (ratio at most 0.2).
/// </para>
/// </remarks>
[Config(typeof(QueriesPerSecondConfig))]
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class SearchBenchmarks
{
    public const int Dimension = 768;

    private AlignedFloats? _rows;
    private VectorIndex? _index;
    private ISimilarityKernel _native = SimilarityKernels.Scalar;
    private float[] _queries = [];
    private int[] _targets = [];
    private float[] _scores = [];
    private float[] _sortKeys = [];
    private long[] _sortIds = [];

    [Params(200_000)]
    public int Rows { get; set; }

    private ReadOnlySpan<float> FirstQuery => _queries.AsSpan(0, Dimension);

    [GlobalSetup]
    public void Setup()
    {
        _native = SearchData.RequireNative();
        _rows = new AlignedFloats((long)Rows * Dimension);
        Span<float> rows = _rows.Span;
        SearchData.FillUniform(rows, seed: 0x5EED_0001);
        (_queries, _targets) = SearchData.QueriesNearRows(rows, Dimension, seed: 0x5EED_0002);
        _index = new VectorIndex(Dimension, SimilarityMetric.Cosine, _native);
        _index.AddRange(SearchData.Ids(Rows), rows);
        SearchData.NormalizeRows(rows, Dimension);
        _scores = new float[Rows];
        _sortKeys = new float[Rows];
        _sortIds = new long[Rows];

        // Every benchmark must compute a real result: fail the run rather than time a wrong one.
        int target = _targets[0];
        float targetScore = TopK_NativeCosineBatch();
        SearchData.Require(TensorPrimitives.IndexOfMax(_scores) == target && targetScore > 0.5f, "CosineBatch did not score the query's source row highest.");
        SearchData.Require(TopK_NativeDotBatch() > 0.5f && TensorPrimitives.IndexOfMax(_scores) == target, "DotBatch did not score the query's source row highest.");
        SearchData.RequireSearch(_index, _queries, _targets, threads: 1);
        SearchData.RequireSearch(_index, _queries, _targets, threads: Environment.ProcessorCount);
        SearchData.Require(Math.Abs(_index.Search(FirstQuery, SearchData.K)[0].Score - targetScore) < 1e-4f, "Search's best score differs from CosineBatch's.");
        SearchData.Require(TopK_Search_OneThread() == target, "TopK_Search_OneThread did not find the query's source row.");
        SearchData.Require(TopK_Search_AllCores() == target, "TopK_Search_AllCores did not find the query's source row.");
        SearchData.Require(TopK_TensorPrimitivesLoopFullSort() == target, "The TensorPrimitives loop and sort did not find the query's source row.");
        long targetSum = _targets.Sum(t => (long)t);
        SearchData.Require(Batch16_SingleSearches_OneThread() == targetSum, "Batch16_SingleSearches_OneThread did not find every query's source row.");
        SearchData.Require(Batch16_SearchBatch_OneThread() == targetSum, "Batch16_SearchBatch_OneThread did not find every query's source row.");
        SearchData.Require(Batch16AllCores_SingleSearches() == targetSum, "Batch16AllCores_SingleSearches did not find every query's source row.");
        SearchData.Require(Batch16AllCores_SearchBatch() == targetSum, "Batch16AllCores_SearchBatch did not find every query's source row.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _index?.Dispose();
        _rows?.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("TopKvsBatch")]
    public float TopK_NativeCosineBatch()
    {
        _native.CosineBatch(FirstQuery, _rows!.Span, _scores);
        return _scores[_targets[0]];
    }

    [Benchmark, BenchmarkCategory("TopKvsBatch")]
    public float TopK_NativeDotBatch()
    {
        _native.DotBatch(FirstQuery, _rows!.Span, _scores);
        return _scores[_targets[0]];
    }

    // MaxDegreeOfParallelism is set in every method (a volatile write) so no method depends on another's setting.
    [Benchmark, BenchmarkCategory("TopKvsBatch")]
    public long TopK_Search_OneThread()
    {
        _index!.MaxDegreeOfParallelism = 1;
        return _index.Search(FirstQuery, SearchData.K)[0].Id;
    }

    [Benchmark, BenchmarkCategory("TopKvsBatch")]
    public long TopK_Search_AllCores()
    {
        _index!.MaxDegreeOfParallelism = Environment.ProcessorCount;
        return _index.Search(FirstQuery, SearchData.K)[0].Id;
    }

    [Benchmark, BenchmarkCategory("TopKvsBatch")]
    public long TopK_TensorPrimitivesLoopFullSort()
    {
        ReadOnlySpan<float> query = FirstQuery;
        ReadOnlySpan<float> rows = _rows!.Span;
        for (int r = 0; r < _scores.Length; r++)
        {
            _scores[r] = TensorPrimitives.CosineSimilarity(query, rows.Slice(r * Dimension, Dimension));
        }

        _scores.CopyTo(_sortKeys);
        for (int r = 0; r < _sortIds.Length; r++)
        {
            _sortIds[r] = r;
        }

        Array.Sort(_sortKeys, _sortIds);
        var top = new SearchResult[SearchData.K];
        for (int i = 0; i < top.Length; i++)
        {
            top[i] = new SearchResult(_sortIds[^(i + 1)], _sortKeys[^(i + 1)]);
        }

        return top[0].Id;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16")]
    public long Batch16_SingleSearches_OneThread() => SingleSearches(threads: 1);

    [Benchmark(OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16")]
    public long Batch16_SearchBatch_OneThread() => OneBatch(threads: 1);

    [Benchmark(Baseline = true, OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16AllCores")]
    public long Batch16AllCores_SingleSearches() => SingleSearches(Environment.ProcessorCount);

    [Benchmark(OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16AllCores")]
    public long Batch16AllCores_SearchBatch() => OneBatch(Environment.ProcessorCount);

    /// <summary>The 16 queries one <see cref="VectorIndex.Search"/> each; the sum of the best ids.</summary>
    private long SingleSearches(int threads)
    {
        _index!.MaxDegreeOfParallelism = threads;
        return SearchData.SingleSearches(_index, _queries);
    }

    /// <summary>The 16 queries in one <see cref="VectorIndex.SearchBatch"/>; the sum of the best ids.</summary>
    private long OneBatch(int threads)
    {
        _index!.MaxDegreeOfParallelism = threads;
        return SearchData.OneBatch(_index, _queries);
    }

    /// <summary>Adds the Queries/s column.</summary>
    internal sealed class QueriesPerSecondConfig : ManualConfig
    {
        public QueriesPerSecondConfig() => AddColumn(new QueriesPerSecondColumn());
    }

    /// <summary>Queries per second: 1e9 / the median time per operation in ns (each operation is one query).</summary>
    internal sealed class QueriesPerSecondColumn : IColumn
    {
        public string Id => nameof(QueriesPerSecondColumn);

        public string ColumnName => "Queries/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Queries per second: 1e9 / median ns per operation (one operation = one query)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
            return median is > 0 ? (1e9 / median.Value).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "NA";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }

    /// <summary>Floats in one 64-byte aligned native block, as <see cref="VectorIndex"/> stores rows; not filled.</summary>
    internal sealed unsafe class AlignedFloats : IDisposable
    {
        private float* _block;

        public AlignedFloats(long length)
        {
            _block = (float*)NativeMemory.AlignedAlloc((nuint)(length * sizeof(float)), 64);
            Length = length;
        }

        public long Length { get; }

        public Span<float> Span => new(_block, checked((int)Length));

        public void Dispose()
        {
            NativeMemory.AlignedFree(_block);
            _block = null;
        }
    }

    /// <summary>Data and checks the search benchmarks share.</summary>
    internal static class SearchData
    {
        /// <summary>Hits per query.</summary>
        public const int K = 10;

        /// <summary>Queries per batch: one pass of the native kernel.</summary>
        public const int QueryCount = 16;

        public static ISimilarityKernel RequireNative() =>
            SimilarityKernels.Native
            ?? throw new InvalidOperationException(
                $"The search benchmarks measure the native (Rust) kernel, which is not available: {SimilarityKernels.NativeUnavailableReason}");

        public static void Require(bool condition, string message)
        {
            if (!condition)
            {
                throw new InvalidOperationException(message);
            }
        }

        /// <summary>Uniform floats in [-1, 1) from xorshift64* (24 random bits each): about 1 ns a float, against several for <see cref="Random"/>.</summary>
        public static void FillUniform(Span<float> destination, ulong seed)
        {
            ulong state = seed | 1;
            for (int i = 0; i < destination.Length; i++)
            {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                destination[i] = ((state * 0x2545F4914F6CDD1DUL >> 40) * (1f / (1 << 23))) - 1f;
            }
        }

        /// <summary>
        /// <see cref="QueryCount"/> queries, query q being row <c>targets[q]</c> plus uniform noise of
        /// the same size: cosine about 0.7 with that row, below 0.3 with any other, so the best hit is known.
        /// </summary>
        public static (float[] Queries, int[] Targets) QueriesNearRows(ReadOnlySpan<float> rows, int dimension, ulong seed)
        {
            int rowCount = rows.Length / dimension;
            var queries = new float[QueryCount * dimension];
            var targets = new int[QueryCount];
            FillUniform(queries, seed);
            for (int q = 0; q < QueryCount; q++)
            {
                targets[q] = (int)((((2L * q) + 1) * rowCount) / (2 * QueryCount));
                Span<float> query = queries.AsSpan(q * dimension, dimension);
                TensorPrimitives.Add(query, rows.Slice(targets[q] * dimension, dimension), query);
            }

            return (queries, targets);
        }

        /// <summary>Ids 0 to <paramref name="count"/> - 1: a row's id is its position.</summary>
        public static long[] Ids(int count)
        {
            var ids = new long[count];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = i;
            }

            return ids;
        }

        /// <summary>Divides every row by its norm, in place.</summary>
        public static void NormalizeRows(Span<float> rows, int dimension)
        {
            for (int start = 0; start < rows.Length; start += dimension)
            {
                Span<float> row = rows.Slice(start, dimension);
                TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
            }
        }

        /// <summary>Each query one <see cref="VectorIndex.Search"/>; the sum of the best ids.</summary>
        public static long SingleSearches(VectorIndex index, float[] queries)
        {
            int dimension = index.Dimension;
            long sum = 0;
            for (int q = 0; q < QueryCount; q++)
            {
                sum += index.Search(queries.AsSpan(q * dimension, dimension), K)[0].Id;
            }

            return sum;
        }

        /// <summary>All queries in one <see cref="VectorIndex.SearchBatch"/>; the sum of the best ids.</summary>
        public static long OneBatch(VectorIndex index, float[] queries)
        {
            SearchResult[][] results = index.SearchBatch(queries, K);
            long sum = 0;
            foreach (SearchResult[] hits in results)
            {
                sum += hits[0].Id;
            }

            return sum;
        }

        /// <summary>
        /// On <paramref name="threads"/> threads: <see cref="VectorIndex.Search"/> returns
        /// <see cref="K"/> hits, best first, the query's source row first; <see cref="VectorIndex.SearchBatch"/>
        /// returns <see cref="K"/> hits per query, its first equal to Search's for the same query.
        /// </summary>
        public static void RequireSearch(VectorIndex index, float[] queries, int[] targets, int threads)
        {
            index.MaxDegreeOfParallelism = threads;
            int dimension = index.Dimension;
            SearchResult[] single = index.Search(queries.AsSpan(0, dimension), K);
            Require(single.Length == K, $"Search on {threads} thread(s) returned {single.Length} hits, not {K}.");
            Require(single[0].Id == targets[0], $"Search on {threads} thread(s) did not find the query's source row.");
            for (int i = 1; i < single.Length; i++)
            {
                Require(single[i].Score <= single[i - 1].Score, $"Search on {threads} thread(s) did not return its hits best first.");
            }

            SearchResult[][] batch = index.SearchBatch(queries, K);
            Require(batch.Length == QueryCount, $"SearchBatch on {threads} thread(s) returned {batch.Length} result sets, not {QueryCount}.");
            for (int q = 0; q < QueryCount; q++)
            {
                Require(batch[q].Length == K && batch[q][0].Id == targets[q], $"SearchBatch on {threads} thread(s) did not find query {q}'s source row in {K} hits.");
            }

            Require(batch[0].AsSpan().SequenceEqual(single), $"SearchBatch's first result differs from Search's for the same query ({threads} thread(s)).");
        }
    }
}
