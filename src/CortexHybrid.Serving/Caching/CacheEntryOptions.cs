namespace CortexHybrid.Caching;

/// <summary>How long one entry lives and which tags it carries.</summary>
public sealed class CacheEntryOptions
{
    /// <summary>The entry's time to live from when it is written; null for <see cref="TieredCacheOptions.DefaultTtl"/>. Positive.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Tags for <see cref="TieredCache.RemoveByTagAsync"/>; null or empty for none.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>
    /// Refresh-ahead (eager refresh): once this fraction of the entry's time to live has passed, a
    /// <see cref="TieredCache.GetOrCreateAsync(string, Func{CancellationToken, ValueTask{byte[]}}, CacheEntryOptions?, CancellationToken)"/>
    /// served from level 1 returns the current value at once and runs the factory in the background;
    /// its result replaces the entry with a fresh time to live, so a key read often enough never
    /// expires under its readers. One refresh per key at a time (it is the key's factory run: callers
    /// that miss meanwhile wait for it). A refresh that fails, or whose entry was removed or replaced
    /// while it ran, changes nothing: the old value stays until its own time to live
    /// (<see cref="CacheStatistics.Refreshes"/> and <see cref="CacheStatistics.RefreshFailures"/> count them).
    /// The time to live is this call's <see cref="Ttl"/> (or the default). Null (the default) for none;
    /// otherwise above 0 and below 1, e.g. 0.8.
    /// </summary>
    public double? RefreshAhead { get; init; }
}
