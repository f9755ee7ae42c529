namespace CortexHybrid.Metrics;

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
