namespace CortexHybrid.Metrics;

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
