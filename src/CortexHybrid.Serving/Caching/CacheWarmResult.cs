namespace CortexHybrid.Caching;

/// <summary>What a <see cref="TieredCache.WarmAsync"/> did.</summary>
/// <param name="Loaded">Keys whose factory ran and whose value was stored.</param>
/// <param name="AlreadyCached">Keys a level already held (or another caller's factory run was making), so their factory did not run.</param>
/// <param name="Failed">Keys whose factory failed (logged as event 2006) or that are not valid keys; nothing was stored for them.</param>
/// <param name="Elapsed">How long the warming took.</param>
public readonly record struct CacheWarmResult(int Loaded, int AlreadyCached, int Failed, TimeSpan Elapsed);
