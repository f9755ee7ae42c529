using CortexHybrid.Memory.Stores;
using CortexHybrid.Metrics;

namespace CortexHybrid.Memory;

/// <summary>A snapshot of a <see cref="SemanticMemory"/>: what it holds, how fast it answers, and how that compares with its performance targets.</summary>
public sealed record MemoryStatus
{
    /// <summary>Memories stored.</summary>
    public required long Memories { get; init; }

    /// <summary>The embedding model of the store and the index.</summary>
    public required EmbeddingModel Model { get; init; }

    /// <summary>The store, as it describes itself (a path; a connection string with its password redacted).</summary>
    public required string Store { get; init; }

    /// <summary>The in-memory vector index.</summary>
    public required IndexStatus Index { get; init; }

    /// <summary>Seconds since the memory was opened.</summary>
    public required double UptimeSeconds { get; init; }

    /// <summary>Latency per operation over the monitor's window (remember, recall.cached, recall.uncached, forget, forget_tagged, list_memories, memory_status).</summary>
    public required IReadOnlyList<ToolFigures> Tools { get; init; }

    /// <summary>How often recalls and query embeddings came from the cache.</summary>
    public required MemoryCacheFigures Cache { get; init; }

    /// <summary>Errors by category since start (validation, not_found, timeout, cancelled, internal).</summary>
    public required IReadOnlyList<ErrorCategoryFigures> Errors { get; init; }

    /// <summary>The monitor's health score, 0 to 1.</summary>
    public required double HealthScore { get; init; }

    /// <summary>The performance guide's targets, each with its measured value.</summary>
    public required IReadOnlyList<TargetFigure> Targets { get; init; }

    /// <summary>The process's working set now, in bytes.</summary>
    public required long WorkingSetBytes { get; init; }

    /// <summary>The process's peak working set, in bytes.</summary>
    public required long PeakWorkingSetBytes { get; init; }
}
