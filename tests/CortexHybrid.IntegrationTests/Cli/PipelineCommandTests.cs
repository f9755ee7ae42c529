using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CortexHybrid.Search;
using CortexHybrid.Tests.Caching;

namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>
/// <c>cortex search</c>, <c>load</c> and <c>demo</c> end to end, as a child process: results checked
/// against a brute force, the one-line failures and their exit codes, the load report and its
/// targets, level 3 on a real Redis, and Ctrl-C (SIGINT) and SIGTERM.
/// </summary>
public class PipelineCommandTests
{
    private const int Dimension = 16;

    /// <summary>The SQLite file of the pipeline (SemanticMemory.DatabaseFileName), made in a temporary directory.</summary>
    private const string SemanticMemoryDatabase = "cortex-documents.db";

    private static readonly string[] TargetNames = ["cached query p95", "status call p95", "throughput", "memory (peak working set)"];

    // ---- search ----

    [Theory]
    [InlineData(".fvecs", ".fvecs")]
    [InlineData(".npy", ".npy")]
    [InlineData(".npy", ".fvecs")]
    public void Search_json_matches_a_brute_force_cosine_top_3(string corpusExtension, string queryExtension)
    {
        using var directory = new TemporaryDirectory();
        float[][] corpus = VectorFiles.Random(500, Dimension, seed: 1);
        float[][] queries = VectorFiles.Random(5, Dimension, seed: 2);
        string corpusPath = Write(directory, "c" + corpusExtension, corpus);
        string queryPath = Write(directory, "q" + queryExtension, queries);

        (int exitCode, string output, string error) = CortexCommand.Run("search", "--corpus", corpusPath, "--query-file", queryPath, "--k", "3", "--json");

        Assert.True(exitCode == 0, error);
        Assert.Equal(string.Empty, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Contains(corpusPath, root.GetProperty("corpus").GetString());
        Assert.Contains("500 x 16", root.GetProperty("corpus").GetString());
        Assert.Equal("Cosine", root.GetProperty("metric").GetString());
        Assert.Equal(3, root.GetProperty("k").GetInt32());
        JsonElement[] results = [.. root.GetProperty("queries").EnumerateArray()];
        Assert.Equal(queries.Length, results.Length);
        for (int q = 0; q < queries.Length; q++)
        {
            (long Id, double Score)[] expected = VectorFiles.RankByCosine(corpus, queries[q]);
            VectorFiles.AssertUnambiguous(expected, 3);
            Assert.Equal(q, results[q].GetProperty("query").GetInt32());
            JsonElement[] hits = [.. results[q].GetProperty("hits").EnumerateArray()];
            Assert.Equal(expected.Take(3).Select(h => h.Id), hits.Select(h => h.GetProperty("id").GetInt64()));
            for (int i = 0; i < 3; i++)
            {
                double score = hits[i].GetProperty("score").GetDouble();
                Assert.True(Math.Abs(score - expected[i].Score) <= 1e-5, $"query {q} hit {i}: score {score}, expected {expected[i].Score}");
            }
        }
    }

    [Fact]
    public void Search_text_prints_one_line_per_query()
    {
        using var directory = new TemporaryDirectory();
        float[][] corpus = VectorFiles.Random(500, Dimension, seed: 1);
        float[][] queries = VectorFiles.Random(5, Dimension, seed: 2);
        string corpusPath = Write(directory, "c.fvecs", corpus);
        string queryPath = Write(directory, "q.fvecs", queries);

        (int exitCode, string output, string error) = CortexCommand.Run("search", "--corpus", corpusPath, "--query-file", queryPath, "--k", "3");

        Assert.True(exitCode == 0, error);
        string[] lines = Lines(output);
        Assert.Equal(1 + queries.Length, lines.Length);
        Assert.Equal($"corpus {corpusPath}, 500 x 16; Cosine, top 3", lines[0]);
        for (int q = 0; q < queries.Length; q++)
        {
            Assert.StartsWith($"query {q}: ", lines[q + 1]);
            (long Id, double Score)[] expected = VectorFiles.RankByCosine(corpus, queries[q]);
            string[] hits = lines[q + 1][$"query {q}: ".Length..].Split("  ");
            Assert.Equal(3, hits.Length);
            for (int i = 0; i < 3; i++)
            {
                Match hit = Regex.Match(hits[i], @"^(\d+):(-?\d\.\d{4})$");
                Assert.True(hit.Success, $"'{hits[i]}' is not id:score");
                Assert.Equal(expected[i].Id, long.Parse(hit.Groups[1].Value, CultureInfo.InvariantCulture));
                Assert.Equal(expected[i].Score, double.Parse(hit.Groups[2].Value, CultureInfo.InvariantCulture), 0.00006);
            }
        }
    }

    [Fact]
    public void Search_reads_a_saved_index_with_its_metric_and_ids()
    {
        using var directory = new TemporaryDirectory();
        float[][] corpus = VectorFiles.Random(300, Dimension, seed: 3);
        float[][] queries = VectorFiles.Random(4, Dimension, seed: 4);
        static long IdOf(int row) => 1000 + (7L * row);
        string indexPath = Path.Combine(directory.Path, "corpus.index");
        using (var index = new VectorIndex(Dimension, SimilarityMetric.DotProduct))
        {
            index.AddRange([.. Enumerable.Range(0, corpus.Length).Select(IdOf)], [.. corpus.SelectMany(r => r)]);
            index.Save(indexPath);
        }

        string queryPath = Write(directory, "q.npy", queries);

        (int exitCode, string output, string error) = CortexCommand.Run("search", "--corpus", indexPath, "--query-file", queryPath, "--k", "4", "--json");

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Contains("(saved index), 300 x 16", json.RootElement.GetProperty("corpus").GetString());
        Assert.Equal("DotProduct", json.RootElement.GetProperty("metric").GetString());
        JsonElement[] results = [.. json.RootElement.GetProperty("queries").EnumerateArray()];
        Assert.Equal(queries.Length, results.Length);
        for (int q = 0; q < queries.Length; q++)
        {
            (long Id, double Score)[] expected = VectorFiles.RankByDot(corpus, queries[q], IdOf);
            VectorFiles.AssertUnambiguous(expected, 4);
            JsonElement[] hits = [.. results[q].GetProperty("hits").EnumerateArray()];
            Assert.Equal(expected.Take(4).Select(h => h.Id), hits.Select(h => h.GetProperty("id").GetInt64()));
            Assert.Equal(expected.Take(4).Select(h => h.Score), hits.Select(h => h.GetProperty("score").GetDouble()), (a, b) => Math.Abs(a - b) <= 1e-4);
        }
    }

    // ---- failures ----

    public static TheoryData<string> Failures =>
    [
        "missing corpus",
        "random bytes as .fvecs",
        "truncated .npy",
        "empty .fvecs",
        "non-finite corpus",
        "missing query file",
        "query dimension",
        "non-finite query",
        "unreachable Redis",
    ];

    [Theory]
    [MemberData(nameof(Failures))]
    public void Failures_are_one_line_on_stderr_and_exit_1(string failure)
    {
        using var directory = new TemporaryDirectory();
        (string[] arguments, string[] expected) = Failure(failure, directory);

        (int exitCode, string output, string error) = CortexCommand.Run(arguments);

        Assert.True(exitCode == 1, $"exit code {exitCode}; stderr: {error}");
        string line = Assert.Single(Lines(error));
        Assert.StartsWith("cortex: ", line);
        foreach (string part in expected)
        {
            Assert.Contains(part, line);
        }

        Assert.DoesNotContain("   at ", error);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public void Unreachable_Redis_with_verbose_prints_the_stack_trace()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("load", "--redis", "127.0.0.1:1", "--duration", "1s", "--verbose");

        Assert.True(exitCode == 1, error);
        Assert.StartsWith("cortex: cannot reach Redis at 127.0.0.1:1", error);
        Assert.Contains("   at ", error);
        Assert.Equal(string.Empty, output);
    }

    [Theory]
    [InlineData(new[] { "search", "--query-file", "q.fvecs" }, "--corpus")]
    [InlineData(new[] { "search", "--corpus", "c.fvecs" }, "--query-file")]
    [InlineData(new[] { "search", "--corpus", "c.fvecs", "--query-file", "q.fvecs", "--k", "0" }, "--k takes a whole number from 1 to 10000; '0' is not one.")]
    [InlineData(new[] { "search", "--corpus", "c.fvecs", "--query-file", "q.fvecs", "--k", "10001" }, "--k takes a whole number from 1 to 10000; '10001' is not one.")]
    [InlineData(new[] { "load", "--duration", "banana" }, "--duration takes a length of time above 0 and up to 24h, such as 30s, 2m, 1500ms or 00:01:30; 'banana' is not one.")]
    [InlineData(new[] { "load", "--duration", "0s" }, "--duration takes a length of time")]
    [InlineData(new[] { "load", "--duration", "25h" }, "--duration takes a length of time")]
    [InlineData(new[] { "load", "--concurrency", "0" }, "--concurrency takes a whole number from 1 to 1024; '0' is not one.")]
    [InlineData(new[] { "demo", "--requests", "0" }, "--requests takes a whole number from 1 to 1000000; '0' is not one.")]
    public void Bad_command_lines_exit_2(string[] arguments, string message)
    {
        (int exitCode, string output, string error) = CortexCommand.Run(arguments);

        Assert.True(exitCode == 2, $"exit code {exitCode}; stderr: {error}");
        Assert.StartsWith("cortex: ", error);
        Assert.Contains(message, error);
        Assert.Equal(string.Empty, output);
        Assert.Single(Lines(error));
    }

    // ---- load ----

    [Fact]
    public void Load_json_reports_the_run_the_targets_and_the_monitor()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("load", "--concurrency", "2", "--duration", "3s", "--json");

        Assert.True(exitCode == 0, error);
        Assert.Equal(string.Empty, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        LoadFigures figures = CheckLoadReport(root);
        Assert.StartsWith("synthetic, 100,000 x 384", root.GetProperty("corpus").GetString());
        Assert.False(root.GetProperty("interrupted").GetBoolean());
        Assert.True(figures.ElapsedSeconds is >= 2.9 and < 60, $"elapsed {figures.ElapsedSeconds} s for --duration 3s");

        // The targets, with the seed guide's thresholds, judged here too.
        JsonElement[] targets = [.. root.GetProperty("targets").EnumerateArray()];
        Assert.Equal(TargetNames, targets.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal([50.0, 10.0, 1000.0, 512.0], targets.Select(t => t.GetProperty("threshold").GetDouble()));
        Assert.Equal(["<", "<", ">", "<"], targets.Select(t => t.GetProperty("comparison").GetString()));
        foreach (JsonElement target in targets)
        {
            double value = target.GetProperty("value").GetDouble();
            double threshold = target.GetProperty("threshold").GetDouble();
            bool met = target.GetProperty("comparison").GetString() == "<" ? value < threshold : value > threshold;
            Assert.Equal(met, target.GetProperty("met").GetBoolean());
        }

        Assert.True(targets[0].GetProperty("value").GetDouble() > 0, "a cached p95 of 0 ms with cached requests");
        Assert.True(targets[1].GetProperty("value").GetDouble() > 0, "a status p95 of 0 ms, yet status is called every 50 requests");
        Assert.Equal(root.GetProperty("requestsPerSecond").GetDouble(), targets[2].GetProperty("value").GetDouble());
        double peakMegabytes = root.GetProperty("report").GetProperty("resourceUsage").GetProperty("peakWorkingSetBytes").GetDouble() / (1024.0 * 1024.0);
        double memory = targets[3].GetProperty("value").GetDouble();
        Assert.True(memory > 50 && memory <= peakMegabytes + 1e-6, $"peak working set target {memory} MB, report's peak {peakMegabytes} MB");
    }

    [Fact]
    public void Load_text_prints_the_report_and_the_targets()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("load", "--duration", "2s");

        Assert.True(exitCode == 0, error);
        Assert.Contains("clients for 00:00:02 on synthetic, 100,000 x 384", error);
        Assert.Contains("Ctrl-C stops early", error);
        Assert.Contains("Performance report at ", output);
        Assert.Matches(@"(?m)^Response times \(ms\) +count +mean +p50 +p95 +p99", output);
        Assert.Matches(@"(?m)^  search \(since start\) +[\d,]+ ", output);
        Assert.Matches(@"(?m)^Load run: [\d,]+ requests \([\d,]+ served from the cache, 0 failed\) in \d+\.\d s\.$", output);
        Assert.DoesNotContain("stopped by Ctrl-C", output);
        Assert.Contains("Seed guide targets (client-side timings):", output);
        foreach (string name in TargetNames)
        {
            Assert.Matches($@"(?m)^  (met   |MISSED) {Regex.Escape(name)} +[\d.]+ ", output);
        }
    }

    [Fact]
    public async Task Load_with_Redis_as_level_3_reads_it_on_every_miss()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();

        (int exitCode, string output, string error) = CortexCommand.Run(
            "load", "--redis", $"127.0.0.1:{redis.Port}", "--duration", "3s", "--concurrency", "2", "--json");

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        LoadFigures figures = CheckLoadReport(json.RootElement);
        JsonElement cache = json.RootElement.GetProperty("report").GetProperty("cache").GetProperty("search");
        Assert.Equal(0, cache.GetProperty("level3Errors").GetInt64());
        long misses = cache.GetProperty("misses").GetInt64();
        Assert.True(misses > 0);

        // Level 3 is asked (one HMGET by the RedisCache) for every key levels 1 and 2 miss.
        Assert.True(redis.IsRunning);
        long reads = await RedisInfo.CallsAsync(redis.Port, "hmget");
        Assert.True(reads == misses, $"{reads} HMGET calls on Redis for {misses} cache misses ({figures.Completed} requests)");
    }

    [Theory]
    [InlineData("INT", "Ctrl-C")]
    [InlineData("TERM", "SIGTERM")]
    public async Task Load_stops_on_a_signal_and_still_reports(string signal, string stoppedBy)
    {
        // The longest --duration there is: only the signal ends this run.
        using Interruptible load = Interruptible.Start(null, "load", "--duration", "24h", "--concurrency", "2");
        Assert.True(
            await load.WaitForErrorLineAsync("Ctrl-C stops early", TimeSpan.FromSeconds(90)),
            $"no 'Ctrl-C stops early' line on stderr: {load.Error}");
        Assert.Contains("2 clients for 1.00:00:00 on ", load.Error);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await load.SignalAsync(signal);
        (int exitCode, string output, string error) = await load.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.True(exitCode == 0, $"exit code {exitCode} after SIG{signal}; stderr: {error}; stdout: {output}");
        Assert.Contains("Performance report at ", output);
        Assert.Contains("Seed guide targets", output);
        Match run = Regex.Match(output, $@"(?m)^Load run: ([\d,]+) requests .* in (\d+\.\d) s, stopped by {stoppedBy}\.$");
        Assert.True(run.Success, $"no 'Load run: ..., stopped by {stoppedBy}.' line in: {output}");
        Assert.True(long.Parse(run.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > 0);
        Assert.True(double.Parse(run.Groups[2].Value, CultureInfo.InvariantCulture) < 30, $"ran {run.Groups[2].Value} s despite SIG{signal} after about 2");
        Assert.DoesNotContain("cortex: ", error);
    }

    [Theory]
    [InlineData("INT", "Ctrl-C")]
    [InlineData("TERM", "SIGTERM")]
    public async Task Load_signalled_while_starting_up_stops_cleanly_and_reports(string signal, string stoppedBy)
    {
        // The signal comes while the pipeline is being built (its SQLite file just appeared in the
        // child's TMPDIR), before the run has begun: cortex finishes starting, runs nothing,
        // reports a run stopped at once and exits 0, promptly, leaving nothing behind.
        using var directory = new TemporaryDirectory();
        using Interruptible load = Interruptible.Start(
            new Dictionary<string, string?> { ["TMPDIR"] = directory.Path },
            "load", "--duration", "60s", "--concurrency", "2");
        var waited = Stopwatch.StartNew();
        while (!HasFile(directory.Path, SemanticMemoryDatabase))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"no {SemanticMemoryDatabase} in the child's TMPDIR after 90 s; stderr: {load.Error}");
            Assert.False(load.HasExited, $"cortex load exited early; stderr: {load.Error}");
            await Task.Delay(20);
        }

        await load.SignalAsync(signal);
        (int exitCode, string output, string error) = await load.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.DoesNotContain("unexpected", error);
        Assert.DoesNotContain("cortex: ", error);
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIG{signal}; stderr: {error}; stdout: {output}");
        Assert.Contains("Performance report at ", output);
        Assert.Contains("Seed guide targets", output);
        Match run = Regex.Match(output, $@"(?m)^Load run: [\d,]+ requests .* in (\d+\.\d) s, stopped by {stoppedBy}\.$");
        Assert.True(run.Success, $"no 'Load run: ..., stopped by {stoppedBy}.' line in: {output}");
        Assert.True(double.Parse(run.Groups[1].Value, CultureInfo.InvariantCulture) < 1, $"the run went on {run.Groups[1].Value} s after a signal during start-up");
        AssertNoPipelineDirectoryLeft(directory, exitCode, output, error);
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Demo_signalled_during_the_workload_stops_cleanly_and_reports(string signal)
    {
        // A million requests (the most --requests takes) on a small corpus file (not the default
        // corpus, seconds to build) run for tens of seconds; the signal comes once the pipeline is
        // up (its SQLite file exists in the child's TMPDIR) and the workload under way.
        using var directory = new TemporaryDirectory();
        string corpus = Write(directory, "c.fvecs", VectorFiles.Random(2000, Dimension, seed: 12));
        using Interruptible demo = Interruptible.Start(
            new Dictionary<string, string?> { ["TMPDIR"] = directory.Path },
            "demo", "--corpus", corpus, "--requests", "1000000", "--rounds", "1", "--dimensions", "16", "--json");
        var waited = Stopwatch.StartNew();
        while (!HasFile(directory.Path, SemanticMemoryDatabase))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"no cortex-documents.db in the child's TMPDIR after 90 s; stderr: {demo.Error}");
            Assert.False(demo.HasExited, $"cortex demo exited early; stderr: {demo.Error}");
            await Task.Delay(100);
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        await demo.SignalAsync(signal);
        (int exitCode, string output, string error) = await demo.WaitForExitAsync(TimeSpan.FromSeconds(15));

        // The workload stops early and the rest (comparison, results, report) still follows, as
        // with load: exit 0, not a cancellation reported as a failure, no pipeline left behind.
        Assert.DoesNotContain("unexpected", error);
        Assert.DoesNotContain("--verbose", error);
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIG{signal}; stderr: {error}");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement workload = json.RootElement.GetProperty("workload");
        Assert.True(workload.GetProperty("interrupted").GetBoolean());
        Assert.True(workload.GetProperty("completed").GetInt64() is > 0 and < 1_000_000);
        Assert.Equal(3, json.RootElement.GetProperty("results").GetArrayLength());
        AssertNoPipelineDirectoryLeft(directory, exitCode, output, error);
    }

    // ---- demo ----

    [Fact]
    public void Demo_json_has_the_workload_the_results_and_the_report()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("demo", "--synthetic", "--requests", "300", "--concurrency", "4", "--rounds", "1", "--dimensions", "16", "--json");

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.StartsWith("native avx", root.GetProperty("info").GetProperty("defaultKernel").GetString());
        Assert.StartsWith("synthetic, 100,000 x 384", root.GetProperty("corpus").GetString());

        JsonElement workload = root.GetProperty("workload");
        Assert.Equal(300, workload.GetProperty("completed").GetInt64());
        Assert.Equal(0, workload.GetProperty("failed").GetInt64());
        long cached = workload.GetProperty("cached").GetInt64();
        Assert.InRange(cached, 0, 300);
        Assert.True(workload.GetProperty("requestsPerSecond").GetDouble() > 0);

        JsonElement[] rows = [.. root.GetProperty("bench").GetProperty("rows").EnumerateArray()];
        Assert.Equal(["Dot", "Cosine", "CosineBatch"], rows.Select(r => r.GetProperty("operation").GetString()));
        Assert.All(rows, r => Assert.Equal(16, r.GetProperty("dimension").GetInt32()));

        JsonElement[] results = [.. root.GetProperty("results").EnumerateArray()];
        Assert.Equal(3, results.Length);
        for (int q = 0; q < 3; q++)
        {
            Assert.Equal(q, results[q].GetProperty("query").GetInt32());
            JsonElement[] hits = [.. results[q].GetProperty("hits").EnumerateArray()];
            Assert.Equal(5, hits.Length);
            long[] ids = [.. hits.Select(h => h.GetProperty("id").GetInt64())];
            double[] scores = [.. hits.Select(h => h.GetProperty("score").GetDouble())];
            Assert.Equal(5, ids.Distinct().Count());
            Assert.All(ids, id => Assert.InRange(id, 0, 99_999));
            Assert.All(scores, s => Assert.InRange(s, -1.0001, 1.0001));
            Assert.Equal(scores.OrderDescending(), scores);
            foreach (JsonElement hit in hits)
            {
                Assert.Equal($"Document {hit.GetProperty("id").GetInt64()}", hit.GetProperty("title").GetString());
                Assert.False(string.IsNullOrWhiteSpace(hit.GetProperty("body").GetString()));
            }
        }

        // The report counts the workload and the three example searches, all through the pipeline.
        JsonElement report = root.GetProperty("report");
        Assert.Equal(303, SearchCount(report));
        Assert.Equal(303, report.GetProperty("throughput").GetProperty("totalRequests").GetInt64());
        Assert.Equal(0, report.GetProperty("errors").GetProperty("totalErrors").GetInt64());
        Assert.Equal(303, report.GetProperty("cache").GetProperty("search").GetProperty("requests").GetInt64());
        Assert.InRange(root.GetProperty("healthScore").GetDouble(), 0, 1);
    }

    [Fact]
    public void Demo_text_shows_results_the_kernel_table_and_the_report()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("demo", "--synthetic", "--requests", "200", "--rounds", "1", "--dimensions", "16");

        Assert.True(exitCode == 0, error);
        Assert.Contains("default kernel   native avx", output);
        Assert.Matches(@"(?m)^workload +200 searches by 8 clients in \d+\.\d s \([\d,]+/s; [\d,]+ from the cache, 0 failed\)$", output);
        Assert.Contains("TensorPrimitives", output);
        Assert.Matches(@"CosineBatch x256 .* 16 .*\d+(\.\d+)? (ns|µs) \(\d+\.\d\dx\)", output);
        Assert.Contains("A few results (top 5, cosine):", output);
        for (int q = 0; q < 3; q++)
        {
            Assert.Matches($@"(?m)^  query {q}:", output);
        }

        Assert.Equal(15, Regex.Matches(output, @"(?m)^ +\d+  -?\d\.\d{4}  Document \d+: \S").Count);
        Assert.Contains("Performance report at ", output);
        Assert.Matches(@"(?m)^Health score: \d\.\d\d$", output);
        Assert.Matches(@"(?m)^  search \(since start\) +203 ", output);
    }

    // ---- helpers ----

    private sealed record LoadFigures(long Completed, long Cached, double ElapsedSeconds);

    /// <summary>What every load JSON must hold, checked against itself: counts, rates, report sections.</summary>
    private static LoadFigures CheckLoadReport(JsonElement root)
    {
        long completed = root.GetProperty("completed").GetInt64();
        long cached = root.GetProperty("cached").GetInt64();
        double elapsed = root.GetProperty("elapsedSeconds").GetDouble();
        Assert.True(completed > 0, "no request completed");
        Assert.Equal(0, root.GetProperty("failed").GetInt64());
        Assert.InRange(cached, 1, completed - 1);
        Assert.Equal(completed / elapsed, root.GetProperty("requestsPerSecond").GetDouble(), 1e-6 * completed / elapsed);

        JsonElement[] targets = [.. root.GetProperty("targets").EnumerateArray()];
        Assert.Equal(TargetNames, targets.Select(t => t.GetProperty("name").GetString()));
        Assert.All(targets, t =>
        {
            Assert.Equal(JsonValueKind.Number, t.GetProperty("value").ValueKind);
            Assert.Equal(JsonValueKind.Number, t.GetProperty("threshold").ValueKind);
            Assert.True(t.GetProperty("met").ValueKind is JsonValueKind.True or JsonValueKind.False);
        });

        JsonElement report = root.GetProperty("report");
        Assert.Equal(completed, SearchCount(report));
        Assert.Equal(completed, report.GetProperty("throughput").GetProperty("totalRequests").GetInt64());
        Assert.Equal(0, report.GetProperty("errors").GetProperty("totalErrors").GetInt64());

        // Every request asked the cache once; the uncached ones each fetched their documents once.
        JsonElement cache = report.GetProperty("cache").GetProperty("search");
        long requests = cache.GetProperty("requests").GetInt64();
        Assert.Equal(completed, requests);
        Assert.Equal(
            requests,
            cache.GetProperty("l1Hits").GetInt64() + cache.GetProperty("l2Hits").GetInt64() + cache.GetProperty("l3Hits").GetInt64() + cache.GetProperty("misses").GetInt64());
        Assert.Equal(completed - cached, StageCount(report, "fetch"));
        Assert.Equal(completed - cached, StageCount(report, "search"));
        Assert.Equal(0, report.GetProperty("pool").GetProperty("sqlite").GetProperty("failedAcquisitions").GetInt64());
        Assert.True(report.GetProperty("resourceUsage").GetProperty("peakWorkingSetBytes").GetInt64() > 0);
        return new LoadFigures(completed, cached, elapsed);
    }

    private static long SearchCount(JsonElement report) =>
        report.GetProperty("responseTimes").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == "search")
            .GetProperty("sinceStart").GetProperty("count").GetInt64();

    private static long StageCount(JsonElement report, string stage) =>
        report.GetProperty("stages").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == stage)
            .GetProperty("sinceStart").GetProperty("count").GetInt64();

    private static (string[] Arguments, string[] Expected) Failure(string failure, TemporaryDirectory directory)
    {
        string corpus = Write(directory, "c.fvecs", VectorFiles.Random(50, Dimension, seed: 5));
        string queries = Write(directory, "q.fvecs", VectorFiles.Random(2, Dimension, seed: 6));
        switch (failure)
        {
            case "missing corpus":
            {
                string missing = Path.Combine(directory.Path, "absent.fvecs");
                return (["search", "--corpus", missing, "--query-file", queries], [missing, "does not exist"]);
            }

            case "random bytes as .fvecs":
            {
                string path = Path.Combine(directory.Path, "noise.fvecs");
                byte[] noise = new byte[1000];
                new Random(7).NextBytes(noise);
                File.WriteAllBytes(path, noise);
                return (["search", "--corpus", path, "--query-file", queries], [path, "is not a usable corpus"]);
            }

            case "truncated .npy":
            {
                string path = Write(directory, "cut.npy", VectorFiles.Random(500, Dimension, seed: 8));
                byte[] whole = File.ReadAllBytes(path);
                File.WriteAllBytes(path, whole[..(whole.Length / 2)]);
                return (["search", "--corpus", path, "--query-file", queries], [path, "is not a usable corpus", "cut short"]);
            }

            case "empty .fvecs":
            {
                string path = Path.Combine(directory.Path, "empty.fvecs");
                File.WriteAllBytes(path, []);
                return (["search", "--corpus", path, "--query-file", queries], [path, "no vectors"]);
            }

            case "non-finite corpus":
            {
                float[][] rows = VectorFiles.Random(20, Dimension, seed: 9);
                rows[3][5] = float.NaN;
                string path = Write(directory, "nan.fvecs", rows);
                return (["search", "--corpus", path, "--query-file", queries], [path, "cannot be indexed", "NaN"]);
            }

            case "missing query file":
            {
                string missing = Path.Combine(directory.Path, "absent-queries.fvecs");
                return (["search", "--corpus", corpus, "--query-file", missing], [missing, "does not exist"]);
            }

            case "query dimension":
            {
                string narrow = Write(directory, "q8.fvecs", VectorFiles.Random(2, 8, seed: 10));
                return (["search", "--corpus", corpus, "--query-file", narrow], [narrow, "dimension 8", "the corpus has 16"]);
            }

            case "non-finite query":
            {
                float[][] rows = VectorFiles.Random(2, Dimension, seed: 11);
                rows[1][0] = float.PositiveInfinity;
                string path = Write(directory, "inf.fvecs", rows);
                return (["search", "--corpus", corpus, "--query-file", path], ["Query 1", "finite"]);
            }

            case "unreachable Redis":
                return (["load", "--redis", "127.0.0.1:1", "--duration", "1s"], ["cannot reach Redis at 127.0.0.1:1"]);

            default:
                throw new ArgumentException($"no failure case '{failure}'", nameof(failure));
        }
    }

    private static string Write(TemporaryDirectory directory, string name, float[][] rows)
    {
        string path = Path.Combine(directory.Path, name);
        if (name.EndsWith(".npy", StringComparison.Ordinal))
        {
            VectorFiles.WriteNpy(path, rows);
        }
        else
        {
            VectorFiles.WriteFvecs(path, rows);
        }

        return path;
    }

    /// <summary>Fails if a pipeline's temporary directory (cortex-memory-*, with its SQLite file) is left in <paramref name="directory"/>.</summary>
    private static void AssertNoPipelineDirectoryLeft(TemporaryDirectory directory, int exitCode, string output, string error)
    {
        string[] left = [.. Directory.EnumerateDirectories(directory.Path, "cortex-memory-*").Select(d => Path.GetFileName(d))];
        Assert.True(left.Length == 0, $"exit code {exitCode}, and the pipeline's temporary directory is left behind: {string.Join(", ", left)}; stderr: {error}; stdout: {output}");
    }

    /// <summary>Whether a file named <paramref name="name"/> is anywhere under <paramref name="directory"/> (false while it changes under the search).</summary>
    private static bool HasFile(string directory, string name)
    {
        try
        {
            return Directory.EnumerateFiles(directory, name, SearchOption.AllDirectories).Any();
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string[] Lines(string text) =>
        [.. text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)];
}
