using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CortexHybrid.Caching;
using CortexHybrid.Pooling;
using CortexHybrid.Simd;

namespace CortexHybrid.Metrics;

/// <summary>Attached sources, the snapshot, the health score and the reports.</summary>
public sealed partial class PerformanceMonitor
{
    private static readonly ResourceUsage NoResourceUsage = new()
    {
        WorkingSetBytes = 0,
        PeakWorkingSetBytes = 0,
        CpuPercent = 0,
        GcHeapBytes = 0,
        GcCollections = [0, 0, 0],
        ThreadPoolQueueLength = 0,
        ThreadPoolThreads = 0,
        MemoryGrowthFlagged = false,
        MemoryGrowthBytes = 0,
    };

    private readonly MemoryMonitor _memory;
    private readonly Lock _sourcesLock = new();
    private readonly List<(string Name, Func<CacheStatistics> Statistics)> _caches = [];
    private readonly List<(string Name, Func<PoolStatistics> Statistics)> _pools = [];
    private readonly List<ISimilarityKernel> _kernels = [];

    /// <summary>Requests finished since start.</summary>
    internal long TotalRequests => _requests.Total;

    /// <summary>Includes a pool's statistics in snapshots, reports and the health score.</summary>
    /// <typeparam name="T">The pooled resource type.</typeparam>
    /// <param name="pool">The pool.</param>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is null.</exception>
    public void Attach<T>(ResourcePool<T> pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        lock (_sourcesLock)
        {
            _pools.Add((UniqueName(pool.Name, _pools), pool.GetStatistics));
        }
    }

    /// <summary>Includes a cache's statistics in snapshots, reports and the health score (its hit rate is the cache part).</summary>
    /// <param name="cache">The cache.</param>
    /// <param name="name">A name for it in reports; null for <c>cache</c>, <c>cache-2</c>, ...</param>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> is null.</exception>
    public void Attach(TieredCache cache, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        lock (_sourcesLock)
        {
            _caches.Add((UniqueName(name ?? "cache", _caches), cache.GetStatistics));
        }
    }

    /// <summary>Includes a similarity kernel's description in snapshots and reports.</summary>
    /// <param name="kernel">The kernel.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public void Attach(ISimilarityKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        lock (_sourcesLock)
        {
            _kernels.Add(kernel);
        }
    }

    /// <summary><paramref name="name"/>, or <c>name-2</c>, <c>name-3</c>, ... if a source already has it (reports key sources by name).</summary>
    private static string UniqueName<TSource>(string name, List<(string Name, TSource Statistics)> sources)
    {
        string unique = name;
        for (int n = 2; sources.Exists(s => s.Name == unique); n++)
        {
            unique = $"{name}-{n}";
        }

        return unique;
    }

    /// <summary>Every figure now. Takes a consistent copy of each histogram; costs microseconds per operation name.</summary>
    /// <returns>The snapshot.</returns>
    public PerformanceSnapshot GetSnapshot() => BuildSnapshot(readResources: true);

    /// <summary>The snapshot; without <paramref name="readResources"/> (the health score needs none) the process is not read and <see cref="PerformanceSnapshot.ResourceUsage"/> is all zeros.</summary>
    private PerformanceSnapshot BuildSnapshot(bool readResources)
    {
        long now = _time.GetTimestamp();
        long second = now / _frequency;
        long slice = now / _sliceTicks;
        TimeSpan uptime = _time.GetElapsedTime(_startTimestamp, now);
        Span<long> windowsTogether = new long[LatencyHistogram.BucketCount];
        List<OperationLatency> responseTimes = Latencies(_operations, now, windowsTogether);
        long requestsInWindow = responseTimes.Sum(o => o.Window.Count);

        var categories = new List<ErrorCategoryFigures>();
        long totalErrors = 0, errorsInWindow = 0;
        foreach ((string category, ErrorCounter counter) in _errors)
        {
            long inWindow = counter.Count.Sum(slice - _options.WindowSlices + 1, slice);
            long total = counter.Count.Total;
            totalErrors += total;
            errorsInWindow += inWindow;
            categories.Add(new ErrorCategoryFigures
            {
                Category = category,
                Total = total,
                InWindow = inWindow,
                Rate = requestsInWindow == 0 ? 0 : (double)inWindow / requestsInWindow,
            });
        }

        categories.Sort((a, b) => b.Total != a.Total ? b.Total.CompareTo(a.Total) : string.CompareOrdinal(a.Category, b.Category));
        long lastMinute = _requests.Sum(second - 60, second - 1);
        double minuteSeconds = Math.Clamp(uptime.TotalSeconds, 1, 60);

        Dictionary<string, CacheStatistics> caches;
        Dictionary<string, PoolStatistics> pools;
        List<string> kernels;
        lock (_sourcesLock)
        {
            caches = _caches.ToDictionary(c => c.Name, c => c.Statistics());
            pools = _pools.ToDictionary(p => p.Name, p => p.Statistics());

            kernels = _kernels.Select(k => k.Description).ToList();
        }

        var snapshot = new PerformanceSnapshot
        {
            Timestamp = _time.GetUtcNow(),
            Uptime = uptime,
            Window = _options.Window,
            ResponseTimes = responseTimes,
            Throughput = new ThroughputFigures
            {
                RequestsLastSecond = _requests.Sum(second - 1, second - 1),
                RequestsLastMinute = lastMinute,
                RequestsPerSecond = lastMinute / minuteSeconds,
                PeakRequestsPerSecond = _requests.Peak,
                TotalRequests = _requests.Total,
            },
            Errors = new ErrorFigures
            {
                TotalErrors = totalErrors,
                ErrorRate = requestsInWindow == 0 ? 0 : (double)errorsInWindow / requestsInWindow,
                Categories = categories,
            },
            Stages = Latencies(_stages, now),
            Spans = _spans.Values.Select(s => s.Snapshot()).OrderByDescending(s => s.TotalMilliseconds).ThenBy(s => s.Name, StringComparer.Ordinal).ToList(),
            ResourceUsage = readResources ? ReadResourceUsage() : NoResourceUsage,
            Cache = caches,
            Pool = pools,
            Kernels = kernels,
            HealthScore = 0,
        };
        double p95 = requestsInWindow == 0 ? 0 : LatencyDistribution.Percentile(windowsTogether, requestsInWindow, 0.95) / 1e6;
        return snapshot with { HealthScore = HealthScore(snapshot, p95) };
    }

    /// <summary>
    /// The seed design's weighted health score, 0 to 1: 0.3 latency + 0.3 throughput + 0.3 errors
    /// + 0.1 cache, each part scored in bands.
    /// </summary>
    /// <returns>The score.</returns>
    /// <remarks>
    /// <para>Latency, the p95 of all requests in the window against <see cref="PerformanceMonitorOptions.LatencyTarget"/> T:
    /// up to T scores 1, up to 2T 0.75, up to 4T 0.5, up to 8T 0.25, beyond 0; no requests scores 1.</para>
    /// <para>Throughput, requests per second over the last minute against <see cref="PerformanceMonitorOptions.ThroughputTarget"/> R:
    /// at least R scores 1, R/2 0.75, R/4 0.5, R/8 0.25, less 0; no target scores 1.</para>
    /// <para>Errors, the error rate in the window: up to 1% scores 1, 5% 0.75, 10% 0.5, 25% 0.25, more 0.
    /// Categories in <see cref="PerformanceMonitorOptions.HealthIgnoredErrorCategories"/> (a client's
    /// mistakes, say) are left out of it.</para>
    /// <para>Cache, the attached caches' hit rate: at least 80% scores 1, 60% 0.75, 40% 0.5, 20% 0.25, less 0; no cache or no reads scores 1.</para>
    /// </remarks>
    public double GetHealthScore() => BuildSnapshot(readResources: false).HealthScore;

    /// <summary>
    /// The figures a health check reports, without reading the process (no <c>/proc</c> read, and
    /// the CPU figure of the next snapshot is left alone): the snapshot with empty resource usage,
    /// and whether the memory check flagged growth.
    /// </summary>
    internal (PerformanceSnapshot Snapshot, bool MemoryGrowthFlagged) HealthFigures() =>
        (BuildSnapshot(readResources: false), _memory.State.Flagged);

    /// <summary>The error categories the health score leaves out (<see cref="PerformanceMonitorOptions.HealthIgnoredErrorCategories"/>).</summary>
    internal IReadOnlyList<string> HealthIgnoredErrorCategories => _options.HealthIgnoredErrorCategories;

    /// <summary>A text report of every figure: latency percentiles, throughput, errors, stages, spans, resources, cache, pool, health.</summary>
    /// <returns>The report.</returns>
    public string GenerateReport() => PerformanceReport.Text(GetSnapshot());

    /// <summary>The snapshot as JSON (camelCase; every duration, <see cref="TimeSpan"/> ones included, a number of milliseconds).</summary>
    /// <returns>The JSON text.</returns>
    public string GenerateJsonReport() => JsonSerializer.Serialize(GetSnapshot(), MetricsJsonContext.Default.PerformanceSnapshot);

    /// <summary>CPU used since the CPU gauge's previous reading, as a share of all cores (the gauge's own sampler).</summary>
    internal double CpuUtilization() => _gaugeCpu.Read();

    internal static double HealthScore(PerformanceSnapshot snapshot, double p95Milliseconds, double latencyTargetMilliseconds, double? throughputTarget, IReadOnlyCollection<string>? ignoredErrorCategories = null)
    {
        double latency = snapshot.Throughput.TotalRequests == 0 || p95Milliseconds == 0 ? 1
            : Band(latencyTargetMilliseconds / p95Milliseconds);
        double throughput = throughputTarget is not double target ? 1 : Band(snapshot.Throughput.RequestsPerSecond / target);
        double errorRate = ignoredErrorCategories is not { Count: > 0 } ignored
            ? snapshot.Errors.ErrorRate
            : snapshot.Errors.Categories.Where(c => !ignored.Contains(c.Category)).Sum(c => c.Rate);
        double errors = errorRate <= 0.01 ? 1 : errorRate <= 0.05 ? 0.75 : errorRate <= 0.10 ? 0.5 : errorRate <= 0.25 ? 0.25 : 0;
        long reads = snapshot.Cache.Values.Sum(c => c.Requests);
        double hitRate = reads == 0 ? 1 : snapshot.Cache.Values.Sum(c => c.L1Hits + c.L2Hits + c.L3Hits) / (double)reads;
        double cache = hitRate >= 0.8 ? 1 : hitRate >= 0.6 ? 0.75 : hitRate >= 0.4 ? 0.5 : hitRate >= 0.2 ? 0.25 : 0;
        // In tenths, then divided once: 0.3 + 0.3 + 0.3 + 0.1 in doubles is 0.9999999999999999.
        return ((3 * latency) + (3 * throughput) + (3 * errors) + cache) / 10;

        // ratio = how many times better than needed: 1 or more is full, then halving steps.
        static double Band(double ratio) => ratio >= 1 ? 1 : ratio >= 0.5 ? 0.75 : ratio >= 0.25 ? 0.5 : ratio >= 0.125 ? 0.25 : 0;
    }

    private double HealthScore(PerformanceSnapshot snapshot, double p95Milliseconds)
    {
        // The p95 is a histogram bucket's midpoint: one in the same bucket as a band limit cannot
        // be told apart from it, so it counts as the limit (requests of exactly T score full).
        double target = _options.LatencyTarget.TotalMilliseconds;
        int p95Bucket = LatencyHistogram.IndexOf((long)(p95Milliseconds * 1e6));
        foreach (double limit in (ReadOnlySpan<double>)[target, 2 * target, 4 * target, 8 * target])
        {
            if (p95Bucket == LatencyHistogram.IndexOf((long)(limit * 1e6)))
            {
                p95Milliseconds = Math.Min(p95Milliseconds, limit);
            }
        }

        return HealthScore(snapshot, p95Milliseconds, target, _options.ThroughputTarget, _options.HealthIgnoredErrorCategories);
    }

    private static List<OperationLatency> Latencies(ConcurrentDictionary<string, LatencyRecorder> recorders, long now, Span<long> windowsTogether = default)
    {
        var list = new List<OperationLatency>(recorders.Count);
        foreach (LatencyRecorder recorder in recorders.Values)
        {
            (LatencyDistribution window, LatencyDistribution sinceStart) = recorder.Snapshot(now, windowsTogether);
            list.Add(new OperationLatency { Name = recorder.Name, Window = window, SinceStart = sinceStart });
        }

        list.Sort((a, b) => b.SinceStart.Count != a.SinceStart.Count ? b.SinceStart.Count.CompareTo(a.SinceStart.Count) : string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    private ResourceUsage ReadResourceUsage()
    {
        (long workingSet, long peak) = ProcessMemoryReader.Read();

        (bool flagged, long growth) = _memory.State;
        return new ResourceUsage
        {
            WorkingSetBytes = workingSet,
            PeakWorkingSetBytes = Math.Max(peak, workingSet),
            CpuPercent = _snapshotCpu.Read() * 100,
            GcHeapBytes = GC.GetGCMemoryInfo().HeapSizeBytes,
            GcCollections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)],
            ThreadPoolQueueLength = ThreadPool.PendingWorkItemCount,
            ThreadPoolThreads = ThreadPool.ThreadCount,
            MemoryGrowthFlagged = flagged,
            MemoryGrowthBytes = growth,
        };
    }
}
