using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cloud.Unum.USearch;
using CortexHybrid.Search;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// <c>ann-compare</c>: (1) recall@10 of <see cref="VectorIndex"/>'s int8 and bfloat16 storage, rescored
/// and not, against the exact float32 result, per oversample factor, on MiniLM embeddings of real
/// text, Gaussian and clustered data; (2) the same index against USearch HNSW (f32, i8, ...) on the
/// clustered data: build time, memory, single-query latency, batch time, recall. Markdown tables on
/// standard output, progress on standard error. Not BenchmarkDotNet: every figure comes from one process run.
/// </summary>
public static class AnnCompare
{
    public const string Command = "ann-compare";

    private const int K = 10;
    private const int BatchSize = 16;
    private const int WarmUpQueries = 50;
    private const double Int8Target = 0.99;
    private const double BFloat16Target = 0.995;

    private static readonly TextWriter _log = Console.Error;

    /// <summary>Runs the tool; <paramref name="args"/> are those after <see cref="Command"/>.</summary>
    /// <returns>0; 1 when the data or USearch cannot be had; 2 for bad arguments.</returns>
    public static int Run(IReadOnlyList<string> args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        AnnCompareOptions? options = AnnCompareOptions.Parse(args, out string? error);
        if (options is null)
        {
            Console.Error.WriteLine(error);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(AnnCompareOptions.Usage);
            return 0;
        }

        try
        {
            return RunAsync(options, args).GetAwaiter().GetResult();
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException or DirectoryNotFoundException or InvalidDataException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"{Command}: {exception.GetType().Name}: {exception.Message}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(AnnCompareOptions options, IReadOnlyList<string> args)
    {
        var recallTable = new List<RecallRow>();
        var compareTables = new List<string>();
        string startLoad = LoadAverage();
        var total = Stopwatch.StartNew();
        string usearch = options.Compare && options.USearchKinds.Count > 0
            ? $"USearch {USearchHnsw.Version()} (Cloud.Unum.USearch 2.26.6, libusearch_c), cosine"
            : "USearch not run";
        string kernel;
        using (var probe = new VectorIndex(8))
        {
            kernel = probe.KernelDescription;
        }

        var header = new StringBuilder();
        header.AppendLine($"`{Command} {string.Join(' ', args)}`");
        header.AppendLine();
        header.AppendLine($"- Machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; load average at start {startLoad} (other work shares the machine).");
        header.AppendLine($"- This index: `VectorIndex` kernel `{kernel}`, cosine, top {K}; {usearch}.");
        header.AppendLine($"- Recall@{K}: mean over the queries of |result ∩ exact| / {K}, the exact result being this index's float32 scan (every row scored).");
        Console.Write(header.ToString());

        var notes = new List<string>();
        if (options.Data.Contains("minilm") && options.Recall)
        {
            string cache = options.EmbeddingsPath ?? Path.Combine(RepositoryRoot(), "artifacts", "embeddings", "minilm-api.fvecs");
            RecallData data = await RecallData.MiniLmAsync(options.MiniLmRows, options.Queries, cache, options.RefreshEmbeddings, _log);
            notes.Add($"- minilm: {data.Description}.");
            using VectorIndex exact = BuildIndex(data, new VectorStorageOptions(), out _);
            int[][] truth = GroundTruth(exact, data);
            recallTable.AddRange(MeasureRecall(data, truth, options));
        }

        foreach ((int rows, int dimension) in options.Sizes)
        {
            foreach (string name in new[] { "gaussian", "clustered" })
            {
                bool compare = name == "clustered" && options.Compare && options.USearchKinds.Count > 0;
                if (!options.Data.Contains(name) || !(options.Recall || compare))
                {
                    continue;
                }

                _log.WriteLine($"{name} {rows:N0} x {dimension}: generating...");
                RecallData data = name == "gaussian"
                    ? RecallData.Gaussian(rows, dimension, options.Queries)
                    : RecallData.Clustered(rows, dimension, options.Queries);
                if (!notes.Exists(n => n.StartsWith($"- {name}:", StringComparison.Ordinal)))
                {
                    notes.Add($"- {name}: {data.Description}.");
                }

                using VectorIndex exact = BuildIndex(data, new VectorStorageOptions(), out double exactBuildSeconds);
                int[][] truth = GroundTruth(exact, data);
                if (options.Recall)
                {
                    recallTable.AddRange(MeasureRecall(data, truth, options));
                }

                if (compare)
                {
                    compareTables.Add(CompareWithUSearch(data, exact, exactBuildSeconds, truth, options));
                }
            }
        }

        Console.WriteLine();
        foreach (string note in notes)
        {
            Console.WriteLine(note);
        }

        if (recallTable.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine(RecallMarkdown(recallTable));
        }

        foreach (string table in compareTables)
        {
            Console.WriteLine();
            Console.WriteLine(table);
        }

        Console.WriteLine();
        Console.WriteLine($"Run took {total.Elapsed.TotalMinutes:0.0} min; load average at end {LoadAverage()}.");
        return 0;
    }

    // ---------------------------------------------------------------- recall

    private sealed record RecallRow(
        string Data, string Shape, int Queries, string Storage, bool FullPrecision, string Oversample,
        double Recall, double Worst, double AllFound, long MemoryBytes, double BatchMicroseconds, double? Target);

    private static IEnumerable<RecallRow> MeasureRecall(RecallData data, int[][] truth, AnnCompareOptions options)
    {
        var rows = new List<RecallRow>();
        foreach (VectorStorage storage in new[] { VectorStorage.Int8, VectorStorage.BFloat16 })
        {
            double target = storage == VectorStorage.Int8 ? Int8Target : BFloat16Target;
            int defaultOversample = storage == VectorStorage.Int8 ? VectorStorageOptions.DefaultInt8Oversample : VectorStorageOptions.DefaultBFloat16Oversample;
            var measured = new HashSet<int>();
            foreach (int oversample in options.Oversamples)
            {
                // 0 is the default factor: a factor equal to it is measured once, marked default.
                int effective = oversample == 0 ? defaultOversample : oversample;
                if (measured.Add(effective))
                {
                    bool isDefault = effective == defaultOversample;
                    rows.Add(MeasureOne(data, truth, new VectorStorageOptions { Storage = storage, Oversample = isDefault ? 0 : effective }, isDefault, target));
                }
            }

            rows.Add(MeasureOne(data, truth, new VectorStorageOptions { Storage = storage, KeepFullPrecision = false }, false, null));
        }

        foreach (int factor in options.SignPrefilters)
        {
            rows.Add(MeasureOne(data, truth, new VectorStorageOptions { Storage = VectorStorage.Int8 }, true, null, factor));
        }

        return rows;
    }

    private static RecallRow MeasureOne(RecallData data, int[][] truth, VectorStorageOptions storage, bool isDefault, double? target, int signPrefilter = 0)
    {
        using VectorIndex index = BuildIndex(data, storage, out _);
        index.SignPrefilter = signPrefilter;
        var timer = Stopwatch.StartNew();
        SearchResult[][] results = SearchAll(index, data);
        double batchMicroseconds = timer.Elapsed.TotalMicroseconds / data.QueryCount;
        (double mean, double worst, double all) = Recall(results.Select(r => r.Select(h => h.Id)), truth);
        string oversample = storage.KeepFullPrecision ? $"{index.Oversample}{(isDefault ? " (default)" : string.Empty)}" : "— (no rescoring)";
        var row = new RecallRow(
            data.Name, data.Shape, data.QueryCount, signPrefilter > 0 ? $"{storage.Storage}, sign prefilter k x {signPrefilter}" : storage.Storage.ToString(), storage.KeepFullPrecision, oversample,
            mean, worst, all, index.MemoryBytes, batchMicroseconds, storage.KeepFullPrecision ? target : null);
        _log.WriteLine($"  {row.Data} {row.Shape} {row.Storage} full={row.FullPrecision} oversample {row.Oversample}: recall {row.Recall:0.0000} (worst {row.Worst:0.0}, all found {row.AllFound:P1})");
        return row;
    }

    private static string RecallMarkdown(List<RecallRow> rows)
    {
        var table = new StringBuilder();
        table.AppendLine($"| Data | Rows x dim | Queries | Storage | Full-precision rows | Oversample | Recall@{K} | Worst query | Queries with all {K} | Target | Memory (MB) | Batch µs/query |");
        table.AppendLine("|---|---|--:|---|---|--:|--:|--:|--:|---|--:|--:|");
        foreach (RecallRow r in rows)
        {
            // The target is the default factor's; other factors say how far from it they are.
            string target = r.Target is not double t ? "(information)"
                : r.Oversample.EndsWith("(default)", StringComparison.Ordinal) ? $"≥ {t:0.000}: {(r.Recall >= t ? "met" : "**missed**")}"
                : $"≥ {t:0.000}: {(r.Recall >= t ? "would be met" : "below")}";
            table.AppendLine(
                $"| {r.Data} | {r.Shape} | {r.Queries:N0} | {r.Storage} | {(r.FullPrecision ? "kept, rescored" : "dropped")} | {r.Oversample} | {r.Recall:0.0000} | {r.Worst:0.0} | {r.AllFound:P1} | {target} | {r.MemoryBytes / 1e6:0.0} | {r.BatchMicroseconds:0} |");
        }

        table.Append($"Batch µs/query: all queries in one `SearchBatch` (both cores), wall time / queries. Memory: `MemoryBytes`.");
        return table.ToString();
    }

    // ---------------------------------------------------------------- USearch comparison

    private sealed record CompareRow(
        string Index, string Kernel, double BuildSeconds, string BuildThreads, long MemoryBytes, string MemoryNote,
        Latency OneThread, Latency? BothCores, double? BatchMicroseconds, double Recall);

    private readonly record struct Latency(double Median, double P99);

    private static string CompareWithUSearch(RecallData data, VectorIndex exact, double exactBuildSeconds, int[][] truth, AnnCompareOptions options)
    {
        var rows = new List<CompareRow>();
        _log.WriteLine($"  compare {data.Shape}: this index float32");
        rows.Add(MeasureOurs("this index, float32 (exact)", exact, exactBuildSeconds, data, truth));
        using (VectorIndex int8 = BuildIndex(data, new VectorStorageOptions { Storage = VectorStorage.Int8 }, out double int8BuildSeconds))
        {
            _log.WriteLine($"  compare {data.Shape}: this index int8");
            rows.Add(MeasureOurs($"this index, int8 rescored (oversample {int8.Oversample})", int8, int8BuildSeconds, data, truth));
            foreach (int factor in options.SignPrefilters)
            {
                int8.SignPrefilter = 0; // so that every row's build time includes computing the bits
                var timer = Stopwatch.StartNew();
                int8.SignPrefilter = factor;
                double bitsSeconds = timer.Elapsed.TotalSeconds;
                _log.WriteLine($"  compare {data.Shape}: this index int8, sign prefilter k x {factor} (bits in {bitsSeconds * 1e3:0} ms)");
                rows.Add(MeasureOurs($"this index, int8 + sign prefilter k x {factor}, rescored (oversample {int8.Oversample})", int8, int8BuildSeconds + bitsSeconds, data, truth));
            }

            int8.SignPrefilter = 0;
        }

        string parameters = string.Empty;
        foreach ((string name, ScalarKind kind) in options.USearchKinds)
        {
            _log.WriteLine($"  compare {data.Shape}: USearch {name}, building on {options.Threads} threads...");
            using USearchHnsw usearch = USearchHnsw.Create(data.Dimension, kind);
            usearch.Reserve(data.RowCount, options.Threads);
            GC.Collect();
            var timer = Stopwatch.StartNew();
            usearch.AddAll(data.Rows, options.Threads);
            double buildSeconds = timer.Elapsed.TotalSeconds;
            if (usearch.Count != data.RowCount)
            {
                throw new InvalidOperationException($"USearch {name} holds {usearch.Count} rows, not {data.RowCount}.");
            }

            parameters = $"connectivity {usearch.Connectivity}, expansion_add {usearch.ExpansionAdd}, expansion_search {usearch.ExpansionSearch} (USearch's defaults)";
            _log.WriteLine($"    built in {buildSeconds:0.0} s ({parameters}); searching");
            ulong[] keys = new ulong[data.QueryCount * K];
            int[] counts = new int[data.QueryCount];
            float[] distances = new float[K];
            Latency latency = MeasureLatency(data.QueryCount, q => counts[q] = usearch.Search(data.Query(q), keys.AsSpan(q * K, K), distances));
            (double recall, _, _) = Recall(Enumerable.Range(0, data.QueryCount).Select(q => keys.Skip(q * K).Take(counts[q]).Select(k => (long)k)), truth);
            long memory = usearch.MemoryUsage;
            long serialized = usearch.SerializedLength;
            rows.Add(new CompareRow(
                $"USearch HNSW {name}", usearch.HardwareAcceleration, buildSeconds, $"{options.Threads} (usearch_add from {options.Threads} threads)", memory,
                $"usearch_memory_usage; serialized {serialized / 1e6:0.0} MB", latency, null, null, recall));
            _log.WriteLine($"    {name}: median {latency.Median:0} µs, recall {recall:0.0000}, memory {memory / 1e6:0.0} MB");
        }

        return CompareMarkdown(data, rows, parameters, options);
    }

    private static CompareRow MeasureOurs(string name, VectorIndex index, double buildSeconds, RecallData data, int[][] truth)
    {
        var found = new SearchResult[data.QueryCount][];
        int cores = index.MaxDegreeOfParallelism;
        Latency both = MeasureLatency(data.QueryCount, q => found[q] = index.Search(data.Query(q), K));
        index.MaxDegreeOfParallelism = 1;
        Latency one;
        try
        {
            one = MeasureLatency(data.QueryCount, q => index.Search(data.Query(q), K));
        }
        finally
        {
            index.MaxDegreeOfParallelism = cores;
        }

        int batches = data.QueryCount / BatchSize;
        SearchBatches(index, data, Math.Min(batches, 4));
        var timer = Stopwatch.StartNew();
        SearchBatches(index, data, batches);
        double batchMicroseconds = timer.Elapsed.TotalMicroseconds / (batches * BatchSize);
        (double recall, _, _) = Recall(found.Select(r => r.Select(h => h.Id)), truth);
        _log.WriteLine($"    {name}: median {both.Median:0} µs ({cores} cores), {one.Median:0} µs (1 thread), batch {batchMicroseconds:0} µs/query, recall {recall:0.0000}");
        return new CompareRow(name, index.KernelDescription, buildSeconds, "1 (AddRange)", index.MemoryBytes, "MemoryBytes", one, both, batchMicroseconds, recall);
    }

    private static void SearchBatches(VectorIndex index, RecallData data, int batches)
    {
        for (int b = 0; b < batches; b++)
        {
            index.SearchBatch(data.Queries.AsSpan(b * BatchSize * data.Dimension, BatchSize * data.Dimension), K);
        }
    }

    private static string CompareMarkdown(RecallData data, List<CompareRow> rows, string parameters, AnnCompareOptions options)
    {
        CompareRow? reference = rows.Find(r => r.Index == "USearch HNSW f32");
        var table = new StringBuilder();
        table.AppendLine($"USearch comparison, {data.Name} {data.Shape}, {data.QueryCount:N0} queries, top {K}; USearch {parameters}; load average after it {LoadAverage()}.");
        table.AppendLine();
        table.AppendLine($"| Index | Kernel | Build (s) | Build threads | Memory (MB) | 1 thread median / p99 (µs) | {Environment.ProcessorCount} cores median / p99 (µs) | SearchBatch({BatchSize}) µs/query | Recall@{K} | Build vs USearch f32 | 1 thread median vs USearch f32 | {Environment.ProcessorCount} cores median vs USearch f32 (1 thread) |");
        table.AppendLine("|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (CompareRow r in rows)
        {
            string buildRatio = reference is null ? "—" : $"{r.BuildSeconds / reference.BuildSeconds:0.000}x";
            string oneRatio = reference is null ? "—" : $"{r.OneThread.Median / reference.OneThread.Median:0.00}x";
            string bothRatio = reference is null || r.BothCores is not Latency both ? "—" : $"{both.Median / reference.OneThread.Median:0.00}x";
            table.AppendLine(
                $"| {r.Index} | `{r.Kernel}` | {r.BuildSeconds:0.00} | {r.BuildThreads} | {r.MemoryBytes / 1e6:0.0} ({r.MemoryNote}) | {r.OneThread.Median:0} / {r.OneThread.P99:0} | "
                + $"{(r.BothCores is Latency c ? $"{c.Median:0} / {c.P99:0}" : "—")} | {(r.BatchMicroseconds is double m ? $"{m:0}" : "—")} | {r.Recall:0.0000} | {buildRatio} | {oneRatio} | {bothRatio} |");
        }

        CompareRow? usearchInt8 = rows.Find(r => r.Index == "USearch HNSW i8");
        foreach (CompareRow ours in rows.Where(r => r.Index.StartsWith("this index, int8", StringComparison.Ordinal)))
        {
            AppendTargets(table, ours, reference, usearchInt8, options);
        }

        table.AppendLine();
        table.Append("Latency: one `Search` (or `usearch_search`) call per query, each timed, after " + WarmUpQueries + " warm-up queries; this index on the cores by default (`MaxDegreeOfParallelism` = " + Environment.ProcessorCount + ") and with `MaxDegreeOfParallelism` = 1; USearch on one thread. Build: `AddRange` of all rows into a new index (plus, for a sign prefilter, setting `SignPrefilter`, which computes the bits), or `usearch_reserve` then `usearch_add` of every row.");
        return table.ToString();
    }

    private static void AppendTargets(StringBuilder table, CompareRow ours, CompareRow? reference, CompareRow? usearchInt8, AnnCompareOptions options)
    {
        table.AppendLine();
        table.AppendLine($"{ours.Index}:");
        table.AppendLine();
        if (reference is not null)
        {
            double oursBoth = ours.BothCores!.Value.Median;
            table.AppendLine($"- Target: int8 rescored single query on {Environment.ProcessorCount} cores ≤ USearch f32 single query (1 thread): {oursBoth:0} µs vs {reference.OneThread.Median:0} µs, {(oursBoth <= reference.OneThread.Median ? "met" : "**missed**")}.");
            table.AppendLine($"- Target: build ≥ 20x shorter than USearch f32: {reference.BuildSeconds / ours.BuildSeconds:0}x shorter ({ours.BuildSeconds:0.00} s vs {reference.BuildSeconds:0.0} s on {options.Threads} threads), {(ours.BuildSeconds * 20 <= reference.BuildSeconds ? "met" : "**missed**")}.");
        }

        if (usearchInt8 is not null)
        {
            table.AppendLine($"- Target: int8 rescored recall above USearch i8's: {ours.Recall:0.0000} vs {usearchInt8.Recall:0.0000}, {(ours.Recall > usearchInt8.Recall ? "met" : "**missed**")}.");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static VectorIndex BuildIndex(RecallData data, VectorStorageOptions storage, out double seconds)
    {
        long[] ids = new long[data.RowCount];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = i;
        }

        GC.Collect();
        var timer = Stopwatch.StartNew();
        var index = new VectorIndex(data.Dimension, SimilarityMetric.Cosine, null, storage);
        index.AddRange(ids, data.Rows);
        seconds = timer.Elapsed.TotalSeconds;
        return index;
    }

    private static SearchResult[][] SearchAll(VectorIndex index, RecallData data) => index.SearchBatch(data.Queries, K);

    private static int[][] GroundTruth(VectorIndex exact, RecallData data) =>
        [.. SearchAll(exact, data).Select(r => r.Select(h => (int)h.Id).ToArray())];

    private static (double Mean, double Worst, double AllFound) Recall(IEnumerable<IEnumerable<long>> results, int[][] truth)
    {
        double sum = 0;
        double worst = 1;
        int all = 0;
        int q = 0;
        foreach (IEnumerable<long> result in results)
        {
            var expected = new HashSet<long>(truth[q].Select(i => (long)i));
            int hits = result.Take(K).Count(expected.Contains);
            double recall = (double)hits / expected.Count;
            sum += recall;
            worst = Math.Min(worst, recall);
            all += hits == expected.Count ? 1 : 0;
            q++;
        }

        return (sum / q, worst, (double)all / q);
    }

    private static Latency MeasureLatency(int queries, Action<int> search)
    {
        for (int q = 0; q < Math.Min(WarmUpQueries, queries); q++)
        {
            search(q);
        }

        double[] micros = new double[queries];
        for (int q = 0; q < queries; q++)
        {
            long start = Stopwatch.GetTimestamp();
            search(q);
            micros[q] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(micros);
        return new Latency(micros[(queries - 1) / 2], micros[Math.Max(0, (int)Math.Ceiling(queries * 0.99) - 1)]);
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>The directory holding CortexHybrid.sln, walking up from the current directory; the current directory when there is none.</summary>
    private static string RepositoryRoot()
    {
        for (string? directory = Environment.CurrentDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "CortexHybrid.sln")))
            {
                return directory;
            }
        }

        return Environment.CurrentDirectory;
    }
}
