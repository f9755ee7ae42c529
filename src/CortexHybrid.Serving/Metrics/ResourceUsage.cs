namespace CortexHybrid.Metrics;

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
