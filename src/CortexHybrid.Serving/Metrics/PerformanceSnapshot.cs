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
