using CortexHybrid.Caching;
using CortexHybrid.Pooling;

namespace CortexHybrid.Metrics;

/// <summary>Everything a <see cref="PerformanceMonitor"/> knows at one moment.</summary>
public sealed record PerformanceSnapshot
{
    /// <summary>When the snapshot was taken (the monitor's <see cref="TimeProvider"/>).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Time since the monitor was created.</summary>
    public required TimeSpan Uptime { get; init; }

    /// <summary>The sliding window the windowed figures cover.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>Request latency per operation, in the window and since start, busiest first.</summary>
    public required IReadOnlyList<OperationLatency> ResponseTimes { get; init; }

    /// <summary>Request counts and rates.</summary>
    public required ThroughputFigures Throughput { get; init; }

    /// <summary>Errors by category.</summary>
    public required ErrorFigures Errors { get; init; }

    /// <summary>Pipeline stage durations (<see cref="PerformanceMonitor.RecordStage"/>), in the window and since start.</summary>
    public required IReadOnlyList<OperationLatency> Stages { get; init; }

    /// <summary>Profiled spans (<see cref="PerformanceMonitor.Span"/>), by total time, largest first.</summary>
    public required IReadOnlyList<SpanFigures> Spans { get; init; }

    /// <summary>The process: memory, CPU, garbage collector and thread pool.</summary>
    public required ResourceUsage ResourceUsage { get; init; }

    /// <summary>The attached caches' figures, by name.</summary>
    public required IReadOnlyDictionary<string, CacheStatistics> Cache { get; init; }

    /// <summary>The attached pools' figures, by name.</summary>
    public required IReadOnlyDictionary<string, PoolStatistics> Pool { get; init; }

    /// <summary>The attached similarity kernels' descriptions.</summary>
    public required IReadOnlyList<string> Kernels { get; init; }

    /// <summary>The health score (see <see cref="PerformanceMonitor.GetHealthScore"/>).</summary>
    public required double HealthScore { get; init; }
}

/// <summary>The latency of one operation or stage.</summary>
public sealed record OperationLatency
{
    /// <summary>The operation or stage name.</summary>
    public required string Name { get; init; }

    /// <summary>In the sliding window.</summary>
    public required LatencyDistribution Window { get; init; }

    /// <summary>Since the monitor was created.</summary>
    public required LatencyDistribution SinceStart { get; init; }
}

/// <summary>Request counts and rates; a request counts when it finishes.</summary>
public sealed record ThroughputFigures
{
    /// <summary>Requests that finished in the last complete second.</summary>
    public required long RequestsLastSecond { get; init; }

    /// <summary>Requests that finished in the last 60 complete seconds.</summary>
    public required long RequestsLastMinute { get; init; }

    /// <summary><see cref="RequestsLastMinute"/> over the part of the last minute the monitor has existed.</summary>
    public required double RequestsPerSecond { get; init; }

    /// <summary>The most requests that finished in any one second.</summary>
    public required long PeakRequestsPerSecond { get; init; }

    /// <summary>All requests.</summary>
    public required long TotalRequests { get; init; }
}

/// <summary>Errors, overall and by category.</summary>
public sealed record ErrorFigures
{
    /// <summary>All errors since start.</summary>
    public required long TotalErrors { get; init; }

    /// <summary>Errors in the window over requests in the window; 0 without requests.</summary>
    public required double ErrorRate { get; init; }

    /// <summary>Per category, most frequent first.</summary>
    public required IReadOnlyList<ErrorCategoryFigures> Categories { get; init; }
}

/// <summary>Errors of one category.</summary>
public sealed record ErrorCategoryFigures
{
    /// <summary>The category.</summary>
    public required string Category { get; init; }

    /// <summary>Since start.</summary>
    public required long Total { get; init; }

    /// <summary>In the window.</summary>
    public required long InWindow { get; init; }

    /// <summary><see cref="InWindow"/> over requests in the window; 0 without requests.</summary>
    public required double Rate { get; init; }
}

/// <summary>One profiled span's aggregate, in milliseconds.</summary>
public sealed record SpanFigures
{
    /// <summary>The span name.</summary>
    public required string Name { get; init; }

    /// <summary>Times recorded.</summary>
    public required long Count { get; init; }

    /// <summary>Total time.</summary>
    public required double TotalMilliseconds { get; init; }

    /// <summary>Mean time.</summary>
    public required double MeanMilliseconds { get; init; }

    /// <summary>Shortest.</summary>
    public required double MinMilliseconds { get; init; }

    /// <summary>Longest.</summary>
    public required double MaxMilliseconds { get; init; }
}

/// <summary>The process's resources at the snapshot.</summary>
public sealed record ResourceUsage
{
    /// <summary>Working set, bytes.</summary>
    public required long WorkingSetBytes { get; init; }

    /// <summary>Peak working set, bytes.</summary>
    public required long PeakWorkingSetBytes { get; init; }

    /// <summary>CPU used by the process since the previous snapshot, as a percentage of all cores (0–100).</summary>
    public required double CpuPercent { get; init; }

    /// <summary>The GC heap after the last collection, bytes.</summary>
    public required long GcHeapBytes { get; init; }

    /// <summary>Collections of generation 0, 1 and 2.</summary>
    public required IReadOnlyList<int> GcCollections { get; init; }

    /// <summary>Work items queued in the thread pool.</summary>
    public required long ThreadPoolQueueLength { get; init; }

    /// <summary>Thread-pool threads.</summary>
    public required int ThreadPoolThreads { get; init; }

    /// <summary>Whether the last memory check saw the heap grow by more than the threshold.</summary>
    public required bool MemoryGrowthFlagged { get; init; }

    /// <summary>The heap growth over the last memory check interval, bytes (negative when it shrank).</summary>
    public required long MemoryGrowthBytes { get; init; }
}
