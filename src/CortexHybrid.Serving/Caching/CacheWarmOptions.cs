namespace CortexHybrid.Caching;

/// <summary>How <see cref="TieredCache.WarmAsync"/> loads its keys.</summary>
public sealed class CacheWarmOptions
{
    /// <summary>The most factory runs at once, 1 to 256; default the number of processors.</summary>
    public int MaxConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Time to live, tags and refresh-ahead of the entries loaded; null for the defaults.</summary>
    public CacheEntryOptions? EntryOptions { get; init; }
}
