namespace CortexHybrid.Memory.Stores;

/// <summary>What a <see cref="MemoryChange"/> did to the store.</summary>
public enum MemoryChangeKind
{
    /// <summary>A memory was stored.</summary>
    Added = 1,

    /// <summary>A memory was deleted (its id is never given again).</summary>
    Deleted = 2,
}
