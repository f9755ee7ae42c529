namespace CortexHybrid.Caching;

/// <summary>How far a <see cref="TieredCache.WarmAsync"/> has come, reported after each key.</summary>
/// <param name="Done">Keys finished so far: loaded, found already cached, or failed.</param>
/// <param name="Total">Keys to warm (distinct), when the sequence given knows its count without being enumerated; otherwise null.</param>
/// <param name="Failed">Keys whose factory failed so far.</param>
public readonly record struct CacheWarmProgress(int Done, int? Total, int Failed);
