namespace CortexHybrid.Caching;

/// <summary>How level 1 of a <see cref="TieredCache"/> chooses what to keep (<see cref="TieredCacheOptions.Level1Policy"/>).</summary>
public enum CachePolicy
{
    /// <summary>
    /// Exact least recently used: a new entry always enters, the entry read longest ago leaves.
    /// Best when recent keys are the ones read next; a scan or a loop over more keys than level 1
    /// holds empties it of everything useful.
    /// </summary>
    Lru = 0,

    /// <summary>
    /// Adaptive W-TinyLFU (as in Caffeine): new entries enter a small LRU window; leaving it, an
    /// entry is admitted to the main region (segmented LRU: probation and protected) only when a
    /// compact frequency sketch says it is read more often than the entry it would displace. The
    /// window's share adapts by hill climbing, so the policy follows recency on recency-heavy
    /// traffic and frequency on the rest, and scans and loops do not flush the hot set.
    /// </summary>
    WTinyLfu = 1,
}
