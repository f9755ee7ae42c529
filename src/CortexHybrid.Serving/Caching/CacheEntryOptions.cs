namespace CortexHybrid.Caching;

/// <summary>How long one entry lives and which tags it carries.</summary>
public sealed class CacheEntryOptions
{
    /// <summary>The entry's time to live from when it is written; null for <see cref="TieredCacheOptions.DefaultTtl"/>. Positive.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Tags for <see cref="TieredCache.RemoveByTagAsync"/>; null or empty for none.</summary>
    public IReadOnlyList<string>? Tags { get; init; }
}
