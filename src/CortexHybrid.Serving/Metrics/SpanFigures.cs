namespace CortexHybrid.Metrics;

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
