namespace CortexHybrid.Metrics;

/// <summary>The heap grew by more than the threshold over one memory check interval.</summary>
public sealed class MemoryGrowthEventArgs : EventArgs
{
    internal MemoryGrowthEventArgs(long growthBytes, long heapBytes, TimeSpan interval)
    {
        GrowthBytes = growthBytes;
        HeapBytes = heapBytes;
        Interval = interval;
    }

    /// <summary>How much the heap grew since the previous check.</summary>
    public long GrowthBytes { get; }

    /// <summary>The heap now.</summary>
    public long HeapBytes { get; }

    /// <summary>The check interval.</summary>
    public TimeSpan Interval { get; }
}
