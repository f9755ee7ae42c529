namespace CortexHybrid.Caching;

/// <summary>
/// A snapshot of a <see cref="TieredCache"/>'s figures. Every read (<see cref="TieredCache.GetAsync"/>
/// or <see cref="TieredCache.GetOrCreateAsync(string, Func{CancellationToken, ValueTask{byte[]}}, CacheEntryOptions?, CancellationToken)"/>)
/// counts once, as a hit at one level or a miss, so <c>L1Hits + L2Hits + L3Hits + Misses == Requests</c>
/// holds in every snapshot, however many threads read.
/// </summary>
public sealed record CacheStatistics
{
    /// <summary>Reads served from level 1.</summary>
    public required long L1Hits { get; init; }

    /// <summary>Reads served from level 2.</summary>
    public required long L2Hits { get; init; }

    /// <summary>Reads served from level 3.</summary>
    public required long L3Hits { get; init; }

    /// <summary>Reads no level could serve (absent or expired).</summary>
    public required long Misses { get; init; }

    /// <summary>All reads: the hits at every level plus the misses.</summary>
    public long Requests => L1Hits + L2Hits + L3Hits + Misses;

    /// <summary>Entries moved up to level 1 after <see cref="TieredCacheOptions.PromotionThreshold"/> reads below it.</summary>
    public required long Promotions { get; init; }

    /// <summary>Entries moved down a level (level 1 to 2, or 2 to 3) to make room.</summary>
    public required long Demotions { get; init; }

    /// <summary>Entries dropped to make room at the lowest level in use.</summary>
    public required long Evictions { get; init; }

    /// <summary>Entries dropped because their time to live had passed.</summary>
    public required long Expirations { get; init; }

    /// <summary>Entries in level 1 now.</summary>
    public required int L1Count { get; init; }

    /// <summary>Entries in level 2 now.</summary>
    public required int L2Count { get; init; }

    /// <summary>Entries this cache has placed in level 3 and not removed (overflow mode; 0 in shared mode, where level 3 is Redis's to count).</summary>
    public required int L3Count { get; init; }

    /// <summary>Payload bytes held in process: level 1's values plus level 2's stored (compressed) bytes.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Level 2's original bytes over its stored bytes (2.0: half the memory); 1 when level 2 is empty.</summary>
    public required double CompressionRatio { get; init; }

    /// <summary>Level 3 calls that failed or timed out; each was served from the levels above or the factory instead.</summary>
    public required long Level3Errors { get; init; }

    /// <summary>
    /// Whether level 3 is being skipped now: its last call failed and no call has succeeded since
    /// (retried every <see cref="TieredCache.Level3RetryDelay"/>). False when there is no level 3.
    /// </summary>
    public bool Level3CircuitOpen { get; init; }

    /// <summary>Values the factory produced that were over <see cref="TieredCacheOptions.MaxEntrySizeBytes"/>: returned, not cached.</summary>
    public required long Rejections { get; init; }

    /// <summary>Refresh-ahead runs (<see cref="CacheEntryOptions.RefreshAhead"/>) that replaced their entry with a fresh value.</summary>
    public long Refreshes { get; init; }

    /// <summary>Refresh-ahead runs whose factory failed; each left the old value in place until its time to live.</summary>
    public long RefreshFailures { get; init; }

    /// <summary>Changes this cache published on its <see cref="RedisBackplane"/> (shared mode; 0 otherwise).</summary>
    public long BackplanePublished { get; init; }

    /// <summary>Changes other instances published that this cache applied (dropping its level 1/2 copies).</summary>
    public long BackplaneReceived { get; init; }

    /// <summary>Times a Redis connection of the cache was restored and levels 1 and 2 were dropped (the outage rule).</summary>
    public long Reconnects { get; init; }

    /// <summary>Hits at any level over requests; 0 before the first request.</summary>
    public double HitRate => Requests == 0 ? 0 : (double)(L1Hits + L2Hits + L3Hits) / Requests;

    /// <summary>Level 1 hits over requests; 0 before the first request.</summary>
    public double L1HitRate => Requests == 0 ? 0 : (double)L1Hits / Requests;

    /// <summary>
    /// The seed design's weighted hit rate: level 1 hits count 1.0, level 2 0.8, level 3 0.6,
    /// misses 0, over requests; 0 before the first request.
    /// </summary>
    public double Efficiency => Requests == 0 ? 0 : ((1.0 * L1Hits) + (0.8 * L2Hits) + (0.6 * L3Hits)) / Requests;
}
