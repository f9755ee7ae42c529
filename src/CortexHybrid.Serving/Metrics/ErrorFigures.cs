namespace CortexHybrid.Metrics;

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
