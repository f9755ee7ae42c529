namespace CortexHybrid.Metrics;

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
