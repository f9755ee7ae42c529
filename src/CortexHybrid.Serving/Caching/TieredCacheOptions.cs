namespace CortexHybrid.Caching;

/// <summary>
/// Capacities, budgets and behaviour of a <see cref="TieredCache"/>. The defaults are those of the
/// seed design: 1,000 hot entries, 10,000 warm, 100,000 cold, a one-hour time to live and a 1 MiB
/// entry limit, with compression on.
/// </summary>
public sealed class TieredCacheOptions
{
    /// <summary>The most entries level 1 (hot, uncompressed, in process) holds. At least 1.</summary>
    public int L1Capacity { get; set; } = 1_000;

    /// <summary>The most entries level 2 (warm, compressed, in process) holds. 0 turns level 2 off.</summary>
    public int L2Capacity { get; set; } = 10_000;

    /// <summary>
    /// The most entries this cache keeps in level 3 (the <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>).
    /// 0 turns level 3 off: level 2's victims are then evicted.
    /// </summary>
    public int L3Capacity { get; set; } = 100_000;

    /// <summary>When set, the most payload bytes level 1 holds; least recently used entries move down to stay within it.</summary>
    public long? L1MaxBytes { get; set; }

    /// <summary>When set, the most stored (compressed) bytes level 2 holds.</summary>
    public long? L2MaxBytes { get; set; }

    /// <summary>How long an entry lives when <see cref="CacheEntryOptions.Ttl"/> is not given. Positive.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The largest value accepted, in bytes. A larger one is rejected with <see cref="ArgumentException"/>.</summary>
    public int MaxEntrySizeBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Whether entries moving to level 2 and 3 are compressed (Brotli at its fastest level). A value
    /// is stored compressed only when that saves at least an eighth of its size.
    /// </summary>
    public bool EnableCompression { get; set; } = true;

    /// <summary>
    /// How many reads of an entry in level 2 or 3 move it up to level 1. 1 promotes on the first
    /// read; the default 2 keeps one-off reads from pushing hot entries out of level 1.
    /// </summary>
    public int PromotionThreshold { get; set; } = 2;

    /// <summary>
    /// How long one level 3 call may take before it counts as failed (and the call is served
    /// without level 3). Positive, or <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public TimeSpan Level3Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A name for the <c>cortex.cache.name</c> tag of the cache's metrics.</summary>
    public string Name { get; set; } = "default";

    /// <summary>A copy, so that changing these options after the cache is created changes nothing.</summary>
    internal TieredCacheOptions Validated()
    {
        RequireAtLeast(L1Capacity, 1, nameof(L1Capacity));
        RequireAtLeast(L2Capacity, 0, nameof(L2Capacity));
        RequireAtLeast(L3Capacity, 0, nameof(L3Capacity));
        RequireAtLeast(MaxEntrySizeBytes, 1, nameof(MaxEntrySizeBytes));
        RequireAtLeast(PromotionThreshold, 1, nameof(PromotionThreshold));
        if (L1MaxBytes is long l1 && l1 < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(L1MaxBytes), l1, "L1MaxBytes must be positive, or null for no byte budget.");
        }

        if (L2MaxBytes is long l2 && l2 < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(L2MaxBytes), l2, "L2MaxBytes must be positive, or null for no byte budget.");
        }

        if (DefaultTtl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultTtl), DefaultTtl, "DefaultTtl must be positive.");
        }

        if (Level3Timeout <= TimeSpan.Zero && Level3Timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(Level3Timeout), Level3Timeout, "Level3Timeout must be positive, or Timeout.InfiniteTimeSpan.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(Name, nameof(Name));
        return (TieredCacheOptions)MemberwiseClone();
    }

    private static void RequireAtLeast(int value, int minimum, string name)
    {
        if (value < minimum)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}.");
        }
    }
}
