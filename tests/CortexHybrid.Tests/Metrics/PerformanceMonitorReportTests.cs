using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using CortexHybrid.Caching;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Simd;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Metrics;

public sealed class PerformanceMonitorReportTests
{
    private const long MiB = 1024 * 1024;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Durations in whole microseconds below 131 µs: there the histogram's buckets are at most
    /// 512 ns wide, so a reported percentile (a bucket's midpoint) is within 0.256 µs of the
    /// recorded value and prints the same to three decimals of a millisecond. The expected report
    /// figures can then be computed from the recorded values alone.
    /// </summary>
    private static readonly long[] SearchEarly = [.. Enumerable.Range(1, 40).Select(i => 3L * i)];
    private static readonly long[] IndexEarly = [.. Enumerable.Range(1, 20).Select(i => 5L * i)];
    private static readonly long[] FetchEarly = [125, 130];
    private static readonly long[] SearchLate = [.. Enumerable.Range(0, 50).Select(i => (2L * i) + 1)];
    private static readonly long[] IndexLate = [.. Enumerable.Range(0, 30).Select(i => 10 + (2L * i))];
    private static readonly long[] FetchLate = [.. Enumerable.Range(1, 10).Select(i => 7L * i)];
    private static readonly long[] RankLate = [11, 22, 33, 44];

    /// <summary>Span durations in milliseconds, by name (chosen so that count order and total-time order differ).</summary>
    private static readonly (string Name, double[] Milliseconds)[] SpanDurations =
    [
        ("parse", [2, 3, 4]),
        ("score", [20]),
        ("load", [1.25, 1.25, 1.25, 1.25, 1.25]),
    ];

    /// <summary>The monitor after a known history, with a cache, a pool and two kernels attached.</summary>
    private sealed class Scenario : IAsyncDisposable
    {
        public required PerformanceMonitor Monitor { get; init; }

        public required FakeTimeProvider Time { get; init; }

        public required TieredCache Cache { get; init; }

        public required ResourcePool<object> Pool { get; init; }

        public required List<PooledResource<object>> Loans { get; init; }

        public async ValueTask DisposeAsync()
        {
            foreach (PooledResource<object> loan in Loans)
            {
                loan.Dispose();
            }

            await Pool.DisposeAsync();
            Cache.Dispose();
            Monitor.Dispose();
        }
    }

    /// <summary>Creates plain objects; the pool needs a factory, the report only its counts.</summary>
    private sealed class ObjectFactory : IResourceFactory<object>
    {
        public ValueTask<object> CreateAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new object());

        public ValueTask<bool> ValidateAsync(object resource, CancellationToken cancellationToken) => ValueTask.FromResult(true);

        public ValueTask ResetAsync(object resource, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DestroyAsync(object resource) => ValueTask.CompletedTask;
    }

    private static async Task<ResourcePool<object>> NewPoolAsync(string name, int minSize = 2) =>
        await ResourcePool<object>.CreateAsync(
            new ObjectFactory(),
            new ResourcePoolOptions
            {
                MaxSize = 4,
                MinSize = minSize,
                Name = name,
                HealthCheckInterval = Timeout.InfiniteTimeSpan, // no background run to change the counts
            },
            new FakeTimeProvider()); // a clock of its own that never moves: every wait is exactly 0

    /// <summary>
    /// Second 0: 40 "search" and 20 "index" requests, two "fetch" stages, two authentication errors.
    /// The heap probe then jumps by 150 MiB and the clock moves 70 s (the memory check runs at 60 s).
    /// Second 70: 50 "search" requests, 30 timed "index" requests (the last fails with "timeout"),
    /// two validation errors, ten "fetch" and four "rank" stages, spans, 3 cache hits and a miss,
    /// 3 pool loans. Then the clock moves into second 71.
    /// </summary>
    private static async Task<Scenario> RunAsync()
    {
        long heap = 0;
        var (monitor, time) = MonitorFixture.Create(memoryProbe: () => Volatile.Read(ref heap));
        var cache = new TieredCache(new TieredCacheOptions { Name = MonitorFixture.UniqueName() }, timeProvider: time);
        ResourcePool<object> pool = await NewPoolAsync(MonitorFixture.UniqueName());
        monitor.Attach(cache);
        monitor.Attach(pool);
        monitor.Attach(SimilarityKernels.Scalar);
        monitor.Attach(SimilarityKernels.Managed);

        foreach (long us in SearchEarly)
        {
            monitor.RecordResponseTime(TimeSpan.FromMicroseconds(us), "search");
        }

        foreach (long us in IndexEarly)
        {
            monitor.RecordResponseTime(TimeSpan.FromMicroseconds(us), "index");
        }

        foreach (long us in FetchEarly)
        {
            monitor.RecordStage("fetch", TimeSpan.FromMicroseconds(us));
        }

        monitor.RecordError("authentication");
        monitor.RecordError("authentication");

        Volatile.Write(ref heap, 150 * MiB);
        time.Advance(TimeSpan.FromSeconds(70));

        foreach (long us in SearchLate)
        {
            monitor.RecordResponseTime(TimeSpan.FromMicroseconds(us), "search");
        }

        for (int i = 0; i < IndexLate.Length; i++)
        {
            RequestTimer timer = monitor.StartRequest("index");
            time.Advance(TimeSpan.FromMicroseconds(IndexLate[i]));
            if (i == IndexLate.Length - 1)
            {
                timer.Fail("timeout");
            }
            else
            {
                timer.Dispose();
            }
        }

        monitor.RecordError("validation");
        monitor.RecordError("validation");

        foreach (long us in FetchLate)
        {
            monitor.RecordStage("fetch", TimeSpan.FromMicroseconds(us));
        }

        foreach (long us in RankLate)
        {
            monitor.RecordStage("rank", TimeSpan.FromMicroseconds(us));
        }

        foreach ((string name, double[] durations) in SpanDurations)
        {
            foreach (double ms in durations)
            {
                using (monitor.Span(name))
                {
                    time.Advance(TimeSpan.FromMilliseconds(ms));
                }
            }
        }

        await cache.SetAsync("a", new byte[100]);
        await cache.SetAsync("b", new byte[100]);
        Assert.NotNull(await cache.GetAsync("a"));
        Assert.NotNull(await cache.GetAsync("a"));
        Assert.NotNull(await cache.GetAsync("b"));
        Assert.Null(await cache.GetAsync("missing"));

        var loans = new List<PooledResource<object>>();
        for (int i = 0; i < 3; i++)
        {
            loans.Add(await pool.AcquireAsync());
        }

        time.Advance(TimeSpan.FromSeconds(1));
        return new Scenario { Monitor = monitor, Time = time, Cache = cache, Pool = pool, Loans = loans };
    }

    private static string Ms(double milliseconds) => milliseconds.ToString("0.###", Invariant);

    /// <summary>The sample of rank ⌈p × n⌉ (nearest rank), counted from 1.</summary>
    private static long NearestRank(long[] sorted, double fraction) => sorted[(int)Math.Max(1, Math.Ceiling(fraction * sorted.Length)) - 1];

    /// <summary>A latency row as the report lays it out: label in 30 columns, count in 7, each figure in 10.</summary>
    private static string LatencyRow(string label, params long[][] microsecondSets)
    {
        long[] sorted = [.. microsecondSets.SelectMany(s => s).Order()];
        long sumNanoseconds = sorted.Sum() * 1000;
        return label.PadRight(30)
            + sorted.Length.ToString("N0", Invariant).PadLeft(7)
            + Ms(sumNanoseconds / (double)sorted.Length / 1e6).PadLeft(10)
            + Ms(NearestRank(sorted, 0.50) / 1e3).PadLeft(10)
            + Ms(NearestRank(sorted, 0.95) / 1e3).PadLeft(10)
            + Ms(NearestRank(sorted, 0.99) / 1e3).PadLeft(10)
            + Ms(sorted[0] / 1e3).PadLeft(10)
            + Ms(sorted[^1] / 1e3).PadLeft(10);
    }

    private static string SpanRow(string name, double[] milliseconds) =>
        "  " + name.PadRight(28)
        + milliseconds.Length.ToString("N0", Invariant).PadLeft(7)
        + Ms(milliseconds.Sum()).PadLeft(10)
        + Ms(milliseconds.Sum() / milliseconds.Length).PadLeft(10)
        + Ms(milliseconds.Min()).PadLeft(10)
        + Ms(milliseconds.Max()).PadLeft(10);

    private static string[] Lines(string report) => report.Split(Environment.NewLine);

    private static void AssertLine(string[] lines, string expected) =>
        Assert.True(lines.Contains(expected), $"the report has no line\n[{expected}]\nIt is:\n{string.Join('\n', lines)}");

    private static int IndexOfLine(string[] lines, string expected)
    {
        AssertLine(lines, expected);
        return Array.IndexOf(lines, expected);
    }

    [Fact]
    public async Task The_text_report_holds_every_figure_computed_from_what_was_recorded()
    {
        await using Scenario s = await RunAsync();
        int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        string report = s.Monitor.GenerateReport();
        int[] collectionsAfter = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        string[] lines = Lines(report);

        // 71 s and the few milliseconds the timed requests and spans moved the clock.
        AssertLine(lines, $"Performance report at {s.Time.GetUtcNow().ToString("u", Invariant)} (up 0.00:01:11, window 60 s)");

        // Health: latency full (every p95 far below 100 ms), throughput full (no target), errors
        // 3 of 80 requests in the window (3.75%: 0.75), cache 3 hits of 4 reads (75%: 0.75).
        const double Health = (0.3 * 1) + (0.3 * 1) + (0.3 * 0.75) + (0.1 * 0.75);
        AssertLine(lines, $"Health score: {Health.ToString("0.00", Invariant)}");
        Assert.Equal("Health score: 0.90", lines[1]);

        // Busiest operation first (90 requests since start against 50). The window (the last 60 s)
        // holds only the requests of second 70.
        int searchWindow = IndexOfLine(lines, LatencyRow("  search (window)", SearchLate));
        int searchTotal = IndexOfLine(lines, LatencyRow("  search (since start)", SearchEarly, SearchLate));
        int indexWindow = IndexOfLine(lines, LatencyRow("  index (window)", IndexLate));
        int indexTotal = IndexOfLine(lines, LatencyRow("  index (since start)", IndexEarly, IndexLate));
        Assert.True(searchWindow < searchTotal && searchTotal < indexWindow && indexWindow < indexTotal, "operations are not busiest first");

        // Second 70 had 80 requests; the last minute (seconds 11 to 70) the same, over 60 s; second 0 had 60.
        AssertLine(lines, $"Throughput: 80 in the last second, 80 in the last minute ({(80 / 60.0).ToString("N1", Invariant)}/s), peak 80/s, total 140");

        AssertLine(lines, $"Errors: 5 in total, {(3 / 80.0).ToString("P2", Invariant)} of requests in the window");
        int authentication = IndexOfLine(lines, $"  authentication: 2 in total, 0 in the window ({0.0.ToString("P2", Invariant)})");
        int validation = IndexOfLine(lines, $"  validation: 2 in total, 2 in the window ({(2 / 80.0).ToString("P2", Invariant)})");
        int timeout = IndexOfLine(lines, $"  timeout: 1 in total, 1 in the window ({(1 / 80.0).ToString("P2", Invariant)})");
        Assert.True(authentication < validation && validation < timeout, "categories are not most frequent first, then by name");

        // Stages since start, busiest first.
        int fetch = IndexOfLine(lines, LatencyRow("  fetch", FetchEarly, FetchLate));
        int rank = IndexOfLine(lines, LatencyRow("  rank", RankLate));
        Assert.True(fetch < rank, "stages are not busiest first");

        // Spans by total time: score (20 ms), parse (9 ms), load (6.25 ms); not by count.
        int[] spanLines = [.. SpanDurations.OrderByDescending(d => d.Milliseconds.Sum()).Select(d => IndexOfLine(lines, SpanRow(d.Name, d.Milliseconds)))];
        Assert.Equal(spanLines.Order(), spanLines);
        Assert.Equal(3, spanLines.Length);

        // The process line has live figures: its shape, and figures consistent with the process.
        Match process = Regex.Match(
            report,
            @"^Process: working set (?<ws>[\d,]+\.\d) MiB \(peak (?<peak>[\d,]+\.\d)\), CPU (?<cpu>[\d,]+\.\d)%, GC heap (?<heap>[\d,]+\.\d) MiB, collections (?<g0>\d+)/(?<g1>\d+)/(?<g2>\d+), thread pool (?<threads>\d+) threads and [\d,]+ queued$",
            RegexOptions.Multiline);
        Assert.True(process.Success, "no process line of the expected shape in\n" + report);
        double workingSet = double.Parse(process.Groups["ws"].Value, NumberStyles.Number, Invariant);
        double workingSetNow = Environment.WorkingSet / (double)MiB;
        Assert.InRange(workingSet, workingSetNow / 2, workingSetNow * 2);
        Assert.True(double.Parse(process.Groups["peak"].Value, NumberStyles.Number, Invariant) >= workingSet, "peak working set below the working set");
        Assert.InRange(double.Parse(process.Groups["cpu"].Value, NumberStyles.Number, Invariant), 0, 100);
        Assert.True(double.Parse(process.Groups["heap"].Value, NumberStyles.Number, Invariant) > 0, "GC heap of 0 MiB");
        for (int g = 0; g < 3; g++)
        {
            Assert.InRange(int.Parse(process.Groups["g" + g].Value, Invariant), collectionsBefore[g], collectionsAfter[g]);
        }

        Assert.True(int.Parse(process.Groups["threads"].Value, Invariant) > 0, "no thread-pool threads");

        // The check at 60 s saw the probe go from 0 to 150 MiB.
        AssertLine(lines, "Memory check: heap grew 150.0 MiB over the last interval — above the threshold: possible leak");

        // Attached without a name: "cache". Two 100-byte values in level 1, nothing compressed.
        AssertLine(lines, $"Cache cache: hit rate {0.75.ToString("P1", Invariant)} (L1 3, L2 0, L3 0, misses 1), entries 2/0/0, 0.0 MiB, compression 1.00x, level 3 errors 0");

        // Two warm resources and one created for the third loan; the pool's clock never moved.
        AssertLine(lines, $"Pool {s.Pool.Name}: 3 active, 0 idle, 0 waiting (max 4, peak 3), 3 acquired, 0 failed, mean wait 0.00 ms, utilization {0.75.ToString("P0", Invariant)}");

        int scalar = IndexOfLine(lines, "Kernel: " + SimilarityKernels.Scalar.Description);
        int managed = IndexOfLine(lines, "Kernel: " + SimilarityKernels.Managed.Description);
        Assert.True(scalar < managed, "kernels are not in the order attached");
    }

    [Fact]
    public async Task The_snapshot_lists_spans_by_total_time_largest_first()
    {
        await using Scenario s = await RunAsync();
        PerformanceSnapshot snapshot = s.Monitor.GetSnapshot();
        Assert.Equal(["score", "parse", "load"], snapshot.Spans.Select(x => x.Name));
        Assert.Equal([20, 9, 6.25], snapshot.Spans.Select(x => x.TotalMilliseconds));
        Assert.Equal([1L, 3, 5], snapshot.Spans.Select(x => x.Count));
    }

    [Fact]
    public async Task The_JSON_report_parses_and_holds_every_property_of_the_snapshot_records_in_camel_case()
    {
        await using Scenario s = await RunAsync();
        string json = s.Monitor.GenerateJsonReport();
        PerformanceSnapshot snapshot = s.Monitor.GetSnapshot();

        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        var visited = new HashSet<Type>();
        AssertHasEveryProperty(typeof(PerformanceSnapshot), root, "$", visited);

        // Every record type reachable from the snapshot was met with at least one instance.
        Type[] records =
        [
            typeof(PerformanceSnapshot), typeof(OperationLatency), typeof(LatencyDistribution), typeof(ThroughputFigures),
            typeof(ErrorFigures), typeof(ErrorCategoryFigures), typeof(SpanFigures), typeof(ResourceUsage),
            typeof(CacheStatistics), typeof(PoolStatistics),
        ];
        Assert.All(records, t => Assert.Contains(t, visited));

        // Figures known from the inputs, and equal to the snapshot's (the fake clock did not move between the two).
        Assert.Equal(140, root.GetProperty("throughput").GetProperty("totalRequests").GetInt64());
        Assert.Equal(80, root.GetProperty("throughput").GetProperty("requestsLastSecond").GetInt64());
        Assert.Equal(5, root.GetProperty("errors").GetProperty("totalErrors").GetInt64());
        Assert.Equal(3 / 80.0, root.GetProperty("errors").GetProperty("errorRate").GetDouble(), 12);
        Assert.Equal(0.9, root.GetProperty("healthScore").GetDouble(), 12);
        Assert.Equal(snapshot.HealthScore, root.GetProperty("healthScore").GetDouble());

        JsonElement search = root.GetProperty("responseTimes")[0];
        Assert.Equal("search", search.GetProperty("name").GetString());
        Assert.Equal(SearchEarly.Length + SearchLate.Length, search.GetProperty("sinceStart").GetProperty("count").GetInt64());
        Assert.Equal(SearchLate.Length, search.GetProperty("window").GetProperty("count").GetInt64());
        Assert.Equal(snapshot.Operation("search").SinceStart.P95Milliseconds, search.GetProperty("sinceStart").GetProperty("p95Milliseconds").GetDouble());
        Assert.Equal(snapshot.Operation("search").Window.MeanMilliseconds, search.GetProperty("window").GetProperty("meanMilliseconds").GetDouble());
        Assert.Equal(SearchLate.Sum() / (double)SearchLate.Length / 1e3, search.GetProperty("window").GetProperty("meanMilliseconds").GetDouble(), 12);

        Assert.Equal(["score", "parse", "load"], root.GetProperty("spans").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal(9, root.GetProperty("spans")[1].GetProperty("totalMilliseconds").GetDouble());

        JsonElement resources = root.GetProperty("resourceUsage");
        Assert.True(resources.GetProperty("memoryGrowthFlagged").GetBoolean());
        Assert.Equal(150 * MiB, resources.GetProperty("memoryGrowthBytes").GetInt64());
        Assert.Equal(3, resources.GetProperty("gcCollections").GetArrayLength());

        JsonElement cache = root.GetProperty("cache").GetProperty("cache"); // dictionary keys keep their case
        Assert.Equal(3, cache.GetProperty("l1Hits").GetInt64());
        Assert.Equal(1, cache.GetProperty("misses").GetInt64());
        Assert.Equal(0.75, cache.GetProperty("hitRate").GetDouble(), 12);

        JsonElement pool = root.GetProperty("pool").GetProperty(s.Pool.Name);
        Assert.Equal(3, pool.GetProperty("active").GetInt32());
        Assert.Equal(3, pool.GetProperty("successfulAcquisitions").GetInt64());
        Assert.Equal(JsonValueKind.Null, pool.GetProperty("lastExhaustedAt").ValueKind); // never exhausted
        Assert.False(pool.GetProperty("factoryFailing").GetBoolean());

        Assert.Equal([SimilarityKernels.Scalar.Description, SimilarityKernels.Managed.Description], root.GetProperty("kernels").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Pools_attached_under_one_name_appear_under_distinct_names()
    {
        string name = MonitorFixture.UniqueName();
        var (monitor, _) = MonitorFixture.Create();
        await using ResourcePool<object> first = await NewPoolAsync(name, minSize: 1);
        await using ResourcePool<object> second = await NewPoolAsync(name, minSize: 2);
        using (monitor)
        {
            monitor.Attach(first);
            monitor.Attach(second);
            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(2, snapshot.Pool.Count);
            Assert.Equal(1, snapshot.Pool[name].Idle);
            Assert.Equal(2, snapshot.Pool[name + "-2"].Idle);
        }
    }

    [Fact]
    public void Caches_attached_without_a_name_are_cache_then_cache_2()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        using (var first = new TieredCache(new TieredCacheOptions { Name = MonitorFixture.UniqueName() }, timeProvider: time))
        using (var second = new TieredCache(new TieredCacheOptions { Name = MonitorFixture.UniqueName() }, timeProvider: time))
        {
            monitor.Attach(first);
            monitor.Attach(second);
            Assert.Equal(["cache", "cache-2"], monitor.GetSnapshot().Cache.Keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Caches_attached_under_one_name_do_not_break_the_snapshot()
    {
        // Pools attached under one name get distinct names (name, name-2); caches do not. A cache
        // attached without a name after one attached as "cache-2" (or two given the same name)
        // must not make every later snapshot, report and health score throw.
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        using (var first = new TieredCache(new TieredCacheOptions { Name = MonitorFixture.UniqueName() }, timeProvider: time))
        using (var second = new TieredCache(new TieredCacheOptions { Name = MonitorFixture.UniqueName() }, timeProvider: time))
        {
            monitor.Attach(first, "sessions");
            monitor.Attach(second, "sessions");
            await first.SetAsync("k", new byte[10]);
            Assert.NotNull(await first.GetAsync("k"));
            Assert.Null(await second.GetAsync("k"));

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(2, snapshot.Cache.Count);
            Assert.Equal(2, snapshot.Cache.Values.Sum(c => c.Requests));
        }
    }

    /// <summary>Asserts <paramref name="json"/> has each public instance property of <paramref name="type"/> in camelCase, recursively.</summary>
    private static void AssertHasEveryProperty(Type type, JsonElement json, string path, HashSet<Type> visited)
    {
        Assert.True(json.ValueKind == JsonValueKind.Object, $"{path} is {json.ValueKind}, not an object");
        visited.Add(type);
        PropertyInfo[] properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        Assert.NotEmpty(properties);
        foreach (PropertyInfo property in properties)
        {
            string name = char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            Assert.True(json.TryGetProperty(name, out JsonElement value), $"{path}.{name} ({type.Name}.{property.Name}) is missing from the JSON");
            AssertShape(property.PropertyType, value, $"{path}.{name}", visited);
        }
    }

    private static void AssertShape(Type type, JsonElement value, string path, HashSet<Type> visited)
    {
        if (IsRecord(type))
        {
            AssertHasEveryProperty(type, value, path, visited);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            Assert.True(value.ValueKind == JsonValueKind.Object, $"{path} is {value.ValueKind}, not an object");
            Assert.True(value.EnumerateObject().Any(), $"{path} is empty: the scenario should fill it");
            foreach (JsonProperty entry in value.EnumerateObject())
            {
                AssertShape(type.GetGenericArguments()[1], entry.Value, $"{path}[{entry.Name}]", visited);
            }
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            Assert.True(value.ValueKind == JsonValueKind.Array, $"{path} is {value.ValueKind}, not an array");
            Assert.True(value.GetArrayLength() > 0, $"{path} is empty: the scenario should fill it");
            int i = 0;
            foreach (JsonElement element in value.EnumerateArray())
            {
                AssertShape(type.GetGenericArguments()[0], element, $"{path}[{i++}]", visited);
            }
        }
        else if (Nullable.GetUnderlyingType(type) is not null && value.ValueKind == JsonValueKind.Null)
        {
            // A nullable figure that has no value yet ("never") is written as null, not left out.
        }
        else
        {
            Assert.True(value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null or JsonValueKind.Undefined), $"{path} is {value.ValueKind}, not a value");
        }
    }

    /// <summary>The library's records: classes of the CortexHybrid namespaces with a compiler-made clone method.</summary>
    private static bool IsRecord(Type type) =>
        type.IsClass && type.Namespace?.StartsWith("CortexHybrid", StringComparison.Ordinal) == true
        && type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance) is not null;
}
