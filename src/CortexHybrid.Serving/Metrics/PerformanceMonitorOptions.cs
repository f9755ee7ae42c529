using CortexHybrid.Validation;

namespace CortexHybrid.Metrics;

/// <summary>Windows, targets and limits of a <see cref="PerformanceMonitor"/>.</summary>
public sealed class PerformanceMonitorOptions
{
    /// <summary>The sliding window for latency percentiles and error rates. Positive; default 60 s.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many rotating slices the latency window is kept in (the oldest drops out whole, so the
    /// window covers between Window × (n−1)/n and Window). From 2 to 60; default 6.
    /// </summary>
    public int WindowSlices { get; set; } = 6;

    /// <summary>The p95 latency at or under which the latency part of the health score is full. Positive; default 100 ms.</summary>
    public TimeSpan LatencyTarget { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The requests per second (over the last minute) at or above which the throughput part of the
    /// health score is full; null (the default) when no throughput is expected, which scores full.
    /// </summary>
    public double? ThroughputTarget { get; set; }

    /// <summary>Growth of the GC heap over one <see cref="MemoryCheckInterval"/> that is flagged as a possible leak. Positive; default 100 MiB.</summary>
    public long MemoryGrowthThresholdBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>How often the memory monitor samples the GC heap. Positive, at most 49 days; default 1 minute.</summary>
    public TimeSpan MemoryCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest <see cref="MemoryCheckInterval"/>: system timers take periods below 2^32 - 1 ms (49.7 days).</summary>
    private static readonly TimeSpan MaxMemoryCheckInterval = TimeSpan.FromDays(49);

    /// <summary>
    /// The most distinct operation, stage and span names tracked (each operation keeps about 300 KB
    /// of histograms); later names are recorded under <c>"other"</c>. Default 64.
    /// </summary>
    public int MaxNames { get; set; } = 64;

    /// <summary>A name for the <c>cortex.monitor.name</c> tag of the monitor's metrics.</summary>
    public string Name { get; set; } = "default";

    /// <summary>
    /// Error categories counted and reported but left out of the health score's error rate: the
    /// client's mistakes (a bad argument, a refused request), which say nothing of the service's
    /// health and which anyone who can reach it could otherwise use to have it taken out of
    /// rotation. Empty by default (every category counts).
    /// </summary>
    public IReadOnlyList<string> HealthIgnoredErrorCategories { get; set; } = [];

    /// <summary>A copy, so that changing these options after the monitor is created changes nothing.</summary>
    internal PerformanceMonitorOptions Validated()
    {
        Check().ThrowIfAny();
        var copy = (PerformanceMonitorOptions)MemberwiseClone();
        copy.HealthIgnoredErrorCategories = [.. HealthIgnoredErrorCategories];
        return copy;
    }

    /// <summary>Every setting out of range, with what is allowed.</summary>
    internal SettingRules Check()
    {
        var rules = new SettingRules();
        rules.Positive(Window, nameof(Window));
        rules.Between(WindowSlices, 2, 60, nameof(WindowSlices));
        rules.Positive(LatencyTarget, nameof(LatencyTarget));
        rules.Require(ThroughputTarget is not double target || target > 0, nameof(ThroughputTarget), ThroughputTarget, "ThroughputTarget must be positive, or null.");
        rules.Require(MemoryGrowthThresholdBytes > 0, nameof(MemoryGrowthThresholdBytes), MemoryGrowthThresholdBytes, "MemoryGrowthThresholdBytes must be positive.");
        rules.Require(
            MemoryCheckInterval > TimeSpan.Zero && MemoryCheckInterval <= MaxMemoryCheckInterval,
            nameof(MemoryCheckInterval),
            MemoryCheckInterval,
            "MemoryCheckInterval must be positive and at most 49 days (the system timer's range).");
        rules.AtLeast(MaxNames, 1, nameof(MaxNames));
        rules.NotBlank(Name, nameof(Name));
        rules.Require(HealthIgnoredErrorCategories is not null, nameof(HealthIgnoredErrorCategories), null, "HealthIgnoredErrorCategories must be a list (empty for none).");
        return rules;
    }
}
