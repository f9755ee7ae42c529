using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using CortexHybrid.Search;
using CortexHybrid.Simd;
using static CortexHybrid.Benchmarks.SearchBenchmarks;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// <see cref="VectorIndex"/> search by storage (issue 18): float32 rows against int8 and bfloat16
/// codes with full-precision rows kept (the best <c>k x Oversample</c> candidates rescored in
/// float32, default oversample: 4 for int8, 2 for bfloat16), int8 codes alone, and int8 behind the
/// sign-bit prefilter at k x 64 (approximate: only the best hit is checked here). 200,000 rows of
/// 768 floats (614 MB of float32: read from memory, not cache), cosine, k = 10, native kernel.
/// </summary>
/// <remarks>
/// <para>
/// The targets, and the ratio that proves each (the Ratio column is mean time / the category's
/// baseline's mean time; Queries/s is from the median, so the two can differ a little):
/// </para>
/// <list type="bullet">
/// <item><description>
/// Search (one query, the index's default parallelism, every core): int8 at most 0.35x and
/// bfloat16 at most 0.6x the float32 <see cref="VectorIndex.Search"/> time. Proved by the Ratio of
/// <see cref="Search_Int8"/> (≤ 0.35) and of <see cref="Search_BFloat16"/> (≤ 0.60) against
/// <see cref="Search_Float32"/>, the baseline. SearchOneThread is the same on one thread
/// (<see cref="VectorIndex.MaxDegreeOfParallelism"/> = 1), for information.
/// </description></item>
/// <item><description>
/// Batch16 (16 queries, every core): <see cref="VectorIndex.SearchBatch"/> of 16 over int8 at
/// least 2x the queries per second of float32. OperationsPerInvoke = 16, so times are per query
/// and Queries/s = 1e9 / median ns. Proved by the Ratio of <see cref="Batch16_Int8"/> against
/// <see cref="Batch16_Float32"/> (float32 SearchBatch, the baseline): at most 0.5, which is 2x its
/// Queries/s. <see cref="Batch16_Float32Singles"/> (16 float32 Search calls) shows what batching
/// itself gains, for information.
/// </description></item>
/// <item><description>
/// Memory: the Index MB column is each index's <see cref="VectorIndex.MemoryBytes"/>, checked in
/// GlobalSetup against the index built (float32 rows 4 bytes an element; int8 codes add 1 and
/// bfloat16 codes 2; int8 codes alone, <see cref="VectorStorageOptions.KeepFullPrecision"/> = false,
/// take 1 instead of 4 and return quantized scores).
/// </description></item>
/// </list>
/// <para>
/// Data: seeded xorshift uniform rows, each query a stored row plus as much noise again, so its
/// nearest row is known and every benchmark is checked in GlobalSetup to find it (with, where the
/// scores are exact, every hit's score equal to the float32 cosine). Uniform data is fine for the
/// speed: the scan reads every row whatever the values. Recall is not measured here (on this data
/// only the best hit is known; the issue wants it on real sentence embeddings). Every benchmark
/// runs in its own process, so each GlobalSetup builds only the index its benchmarks search (10 to
/// 20 s on two busy cores), and the generated float rows are freed once added.
/// </para>
/// </remarks>
[Config(typeof(QuantizedSearchConfig))]
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class QuantizedSearchBenchmarks
{
    public const int Dimension = 768;

    private VectorIndex? _index;
    private float[] _queries = [];
    private int[] _targets = [];

    /// <summary>The index each benchmark searches; its methods are named <c>Category_Kind</c>.</summary>
    internal enum Kind
    {
        Float32,
        Int8,
        BFloat16,
        Int8CodesOnly,

        /// <summary>Int8 rescored, with <see cref="VectorIndex.SignPrefilter"/> = <see cref="SignPrefilterFactor"/> (approximate).</summary>
        Int8SignPrefilter,
    }

    /// <summary>The prefilter factor of <see cref="Kind.Int8SignPrefilter"/>: k x 64 = 640 rows kept for the int8 scan.</summary>
    public const int SignPrefilterFactor = 64;

    [Params(200_000)]
    public int Rows { get; set; }

    private ReadOnlySpan<float> FirstQuery => _queries.AsSpan(0, Dimension);

    [GlobalSetup(Targets = [nameof(Search_Float32), nameof(SearchOneThread_Float32), nameof(Batch16_Float32Singles), nameof(Batch16_Float32)])]
    public void SetupFloat32()
    {
        Build(Kind.Float32);
        Require(Search_Float32, SearchOneThread_Float32, Batch16_Float32Singles, Batch16_Float32);
    }

    [GlobalSetup(Targets = [nameof(Search_Int8), nameof(SearchOneThread_Int8), nameof(Batch16_Int8)])]
    public void SetupInt8()
    {
        Build(Kind.Int8);
        Require(Search_Int8, SearchOneThread_Int8, null, Batch16_Int8);
    }

    [GlobalSetup(Targets = [nameof(Search_BFloat16), nameof(SearchOneThread_BFloat16), nameof(Batch16_BFloat16)])]
    public void SetupBFloat16()
    {
        Build(Kind.BFloat16);
        Require(Search_BFloat16, SearchOneThread_BFloat16, null, Batch16_BFloat16);
    }

    [GlobalSetup(Targets = [nameof(Search_Int8CodesOnly), nameof(SearchOneThread_Int8CodesOnly), nameof(Batch16_Int8CodesOnly)])]
    public void SetupInt8CodesOnly()
    {
        Build(Kind.Int8CodesOnly);
        Require(Search_Int8CodesOnly, SearchOneThread_Int8CodesOnly, null, Batch16_Int8CodesOnly);
    }

    [GlobalSetup(Targets = [nameof(Search_Int8SignPrefilter), nameof(SearchOneThread_Int8SignPrefilter), nameof(Batch16_Int8SignPrefilter)])]
    public void SetupInt8SignPrefilter()
    {
        Build(Kind.Int8SignPrefilter);
        Require(Search_Int8SignPrefilter, SearchOneThread_Int8SignPrefilter, null, Batch16_Int8SignPrefilter);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _index?.Dispose();
        _index = null;
    }

    // MaxDegreeOfParallelism is set in every method (a volatile write) so no method depends on another's setting.
    [Benchmark(Baseline = true), BenchmarkCategory("Search")]
    public long Search_Float32() => SearchOnce(Environment.ProcessorCount);

    [Benchmark, BenchmarkCategory("Search")]
    public long Search_Int8() => SearchOnce(Environment.ProcessorCount);

    [Benchmark, BenchmarkCategory("Search")]
    public long Search_BFloat16() => SearchOnce(Environment.ProcessorCount);

    [Benchmark, BenchmarkCategory("Search")]
    public long Search_Int8CodesOnly() => SearchOnce(Environment.ProcessorCount);

    [Benchmark, BenchmarkCategory("Search")]
    public long Search_Int8SignPrefilter() => SearchOnce(Environment.ProcessorCount);

    [Benchmark(Baseline = true), BenchmarkCategory("SearchOneThread")]
    public long SearchOneThread_Float32() => SearchOnce(threads: 1);

    [Benchmark, BenchmarkCategory("SearchOneThread")]
    public long SearchOneThread_Int8() => SearchOnce(threads: 1);

    [Benchmark, BenchmarkCategory("SearchOneThread")]
    public long SearchOneThread_BFloat16() => SearchOnce(threads: 1);

    [Benchmark, BenchmarkCategory("SearchOneThread")]
    public long SearchOneThread_Int8CodesOnly() => SearchOnce(threads: 1);

    [Benchmark, BenchmarkCategory("SearchOneThread")]
    public long SearchOneThread_Int8SignPrefilter() => SearchOnce(threads: 1);

    [Benchmark(OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16")]
    public long Batch16_Float32Singles()
    {
        _index!.MaxDegreeOfParallelism = Environment.ProcessorCount;
        return SearchData.SingleSearches(_index, _queries);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16")]
    public long Batch16_Float32() => OneBatch();

    [Benchmark(OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16")]
    public long Batch16_Int8() => OneBatch();

    [Benchmark(OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16")]
    public long Batch16_BFloat16() => OneBatch();

    [Benchmark(OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16")]
    public long Batch16_Int8CodesOnly() => OneBatch();

    [Benchmark(OperationsPerInvoke = SearchData.QueryCount), BenchmarkCategory("Batch16")]
    public long Batch16_Int8SignPrefilter() => OneBatch();

    /// <summary>The kind of index a benchmark method searches: the part of its name after the category.</summary>
    internal static Kind KindOf(string method)
    {
        string kind = method[(method.IndexOf('_') + 1)..];
        return Enum.Parse<Kind>(kind.EndsWith("Singles", StringComparison.Ordinal) ? kind[..^"Singles".Length] : kind);
    }

    /// <summary>The storage options of an index kind.</summary>
    internal static VectorStorageOptions Options(Kind kind) => kind switch
    {
        Kind.Float32 => new VectorStorageOptions(),
        Kind.Int8 or Kind.Int8SignPrefilter => new VectorStorageOptions { Storage = VectorStorage.Int8, KeepFullPrecision = true },
        Kind.BFloat16 => new VectorStorageOptions { Storage = VectorStorage.BFloat16, KeepFullPrecision = true },
        Kind.Int8CodesOnly => new VectorStorageOptions { Storage = VectorStorage.Int8, KeepFullPrecision = false },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// What <see cref="VectorIndex.MemoryBytes"/> documents for <paramref name="rows"/> rows held at
    /// exactly that capacity: per row, 4 bytes an element of floats (if kept), 1 (int8) or 2
    /// (bfloat16) of codes, 8 of id, 4 of norm, and 4 of bias for quantized storage; with the sign
    /// prefilter, one bit an element in whole 64-bit words, for whole blocks of eight rows.
    /// </summary>
    internal static long ExpectedMemoryBytes(Kind kind, int rows)
    {
        VectorStorageOptions options = Options(kind);
        int codeBytes = options.Storage switch
        {
            VectorStorage.Int8 => Dimension,
            VectorStorage.BFloat16 => Dimension * sizeof(ushort),
            _ => 0,
        };
        long perRow = (options.KeepFullPrecision ? Dimension * sizeof(float) : 0) + sizeof(long) + sizeof(float)
            + (codeBytes > 0 ? codeBytes + sizeof(float) : 0);
        long signBits = kind == Kind.Int8SignPrefilter ? (rows + 7) / 8 * 8L * ((Dimension + 63) / 64) * sizeof(ulong) : 0;
        return (rows * perRow) + signBits;
    }

    private long SearchOnce(int threads)
    {
        _index!.MaxDegreeOfParallelism = threads;
        return _index.Search(FirstQuery, SearchData.K)[0].Id;
    }

    /// <summary>The 16 queries in one <see cref="VectorIndex.SearchBatch"/> on every core; the sum of the best ids.</summary>
    private long OneBatch()
    {
        _index!.MaxDegreeOfParallelism = Environment.ProcessorCount;
        return SearchData.OneBatch(_index, _queries);
    }

    /// <summary>
    /// Builds the index of <paramref name="kind"/> from seeded rows (the same for every kind) and
    /// checks it: its footprint is what the Index MB column shows, Search and SearchBatch on one
    /// thread and on every core find each query's source row, and where scores are exact, every
    /// hit's score is the float32 cosine of its row (the int8 estimates within 0.01 otherwise).
    /// </summary>
    private void Build(Kind kind)
    {
        ISimilarityKernel native = SearchData.RequireNative();
        var started = System.Diagnostics.Stopwatch.StartNew();
        _index = new VectorIndex(Dimension, SimilarityMetric.Cosine, native, Options(kind));
        _index.EnsureCapacity(Rows);
        using (var rows = new AlignedFloats((long)Rows * Dimension))
        {
            SearchData.FillUniform(rows.Span, seed: 0x5EED_0001);
            (_queries, _targets) = SearchData.QueriesNearRows(rows.Span, Dimension, seed: 0x5EED_0002);
            _index.AddRange(SearchData.Ids(Rows), rows.Span);
            if (kind == Kind.Int8SignPrefilter)
            {
                _index.SignPrefilter = SignPrefilterFactor;
            }

            // Every benchmark must compute a real result: fail the run rather than time a wrong one.
            long expected = ExpectedMemoryBytes(kind, Rows);
            SearchData.Require(_index.MemoryBytes == expected, $"{kind}: MemoryBytes is {_index.MemoryBytes}, the Index MB column shows {expected}.");
            SearchData.Require(_index.ExactScores == (kind != Kind.Int8CodesOnly), $"{kind}: ExactScores is {_index.ExactScores}.");
            SearchData.RequireSearch(_index, _queries, _targets, threads: 1);
            SearchData.RequireSearch(_index, _queries, _targets, threads: Environment.ProcessorCount);
            float tolerance = _index.ExactScores ? 1e-4f : 1e-2f;
            for (int q = 0; q < SearchData.QueryCount; q++)
            {
                ReadOnlySpan<float> query = _queries.AsSpan(q * Dimension, Dimension);
                foreach (SearchResult hit in _index.Search(query, SearchData.K))
                {
                    float exact = TensorPrimitives.CosineSimilarity(query, rows.Span.Slice((int)hit.Id * Dimension, Dimension));
                    SearchData.Require(Math.Abs(hit.Score - exact) <= tolerance, $"{kind}: query {q}'s hit {hit.Id} scored {hit.Score}; its float32 cosine is {exact}.");
                }
            }
        }

        Console.WriteLine(
            $"// {kind}: {_index.Count:N0} rows, Storage {_index.Storage}, Oversample {_index.Oversample}, ExactScores {_index.ExactScores}, "
            + $"MemoryBytes {_index.MemoryBytes:N0}, kernel {_index.KernelDescription}; built and checked in {started.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Requires each benchmark of the index (null where it has none) to find the query's source row, or every query's.</summary>
    private void Require(Func<long> search, Func<long> searchOneThread, Func<long>? singles, Func<long> batch)
    {
        long targetSum = _targets.Sum(t => (long)t);
        SearchData.Require(search() == _targets[0], "The Search benchmark did not find the query's source row.");
        SearchData.Require(searchOneThread() == _targets[0], "The SearchOneThread benchmark did not find the query's source row.");
        SearchData.Require(singles is null || singles() == targetSum, "The single searches did not find every query's source row.");
        SearchData.Require(batch() == targetSum, "The SearchBatch benchmark did not find every query's source row.");
    }

    /// <summary>
    /// Adds the Queries/s and Index MB columns, and allows 10 minutes (not 2) to build the generated
    /// project: on a machine whose cores are busy the default timeout was seen to expire.
    /// </summary>
    private sealed class QuantizedSearchConfig : ManualConfig
    {
        public QuantizedSearchConfig()
        {
            AddColumn(new QueriesPerSecondColumn());
            AddColumn(new IndexMemoryColumn(MemoryBytes));
            WithBuildTimeout(TimeSpan.FromMinutes(10));
        }

        private static long? MemoryBytes(BenchmarkCase benchmark) =>
            ExpectedMemoryBytes(KindOf(benchmark.Descriptor.WorkloadMethod.Name), (int)benchmark.Parameters["Rows"]);
    }
}
