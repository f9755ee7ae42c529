using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Search;
using CortexHybrid.Simd;
using static CortexHybrid.Benchmarks.SearchBenchmarks;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// Queries per second of <see cref="VectorIndex"/> on every core, cosine, k = 10, native kernel,
/// 384 floats per row, at 10,000 rows (15 MB), 200,000 (307 MB) and 1,000,000 (1.5 GB): a single
/// <see cref="VectorIndex.Search"/> per query (the baseline) against one
/// <see cref="VectorIndex.SearchBatch"/> of 16 queries. OperationsPerInvoke = 16 for both, so
/// times are per query and queries per second = 1e9 / time in ns (the Queries/s column).
/// </summary>
/// <remarks>
/// Only the index holds the rows: the seeded xorshift data it is built from is freed once added.
/// Each query is a stored row plus as much noise again, so its nearest row is known and both
/// benchmarks are checked to find it (see <see cref="SearchBenchmarks"/>).
/// </remarks>
[Config(typeof(QueriesPerSecondConfig))]
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class SearchThroughputBenchmarks
{
    public const int Dimension = 384;

    private VectorIndex? _index;
    private float[] _queries = [];

    [Params(10_000, 200_000, 1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ISimilarityKernel native = SearchData.RequireNative();
        int[] targets;
        _index = new VectorIndex(Dimension, SimilarityMetric.Cosine, native);
        using (var rows = new AlignedFloats((long)Rows * Dimension))
        {
            SearchData.FillUniform(rows.Span, seed: 0x5EED_0003);
            (_queries, targets) = SearchData.QueriesNearRows(rows.Span, Dimension, seed: 0x5EED_0004);
            _index.AddRange(SearchData.Ids(Rows), rows.Span);
        }

        // Every benchmark must compute a real result: fail the run rather than time a wrong one.
        SearchData.RequireSearch(_index, _queries, targets, threads: Environment.ProcessorCount);
        long targetSum = targets.Sum(t => (long)t);
        SearchData.Require(Qps_Search() == targetSum, "Qps_Search did not find every query's source row.");
        SearchData.Require(Qps_SearchBatch16() == targetSum, "Qps_SearchBatch16 did not find every query's source row.");
    }

    [GlobalCleanup]
    public void Cleanup() => _index?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Qps")]
    public long Qps_Search() => SearchData.SingleSearches(_index!, _queries);

    [Benchmark(OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Qps")]
    public long Qps_SearchBatch16() => SearchData.OneBatch(_index!, _queries);
}
