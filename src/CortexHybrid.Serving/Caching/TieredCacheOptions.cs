using CortexHybrid.Validation;

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

    /// <summary>
    /// How level 1 chooses what to keep: <see cref="CachePolicy.WTinyLfu"/> (the default: adaptive
    /// W-TinyLFU, frequency-aware and scan-resistant) or <see cref="CachePolicy.Lru"/> (exact LRU).
    /// Whatever level 1 evicts, or refuses at admission, moves down to level 2 as before.
    /// </summary>
    public CachePolicy Level1Policy { get; set; } = CachePolicy.WTinyLfu;

    /// <summary>When set, the most payload bytes level 1 holds; entries its policy evicts move down to stay within it.</summary>
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
    /// without level 3). Positive and at most 49 days, or <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public TimeSpan Level3Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// What level 3 is: <see cref="Level3Mode.Overflow"/> (the default: a private overflow of levels
    /// 1 and 2, for one instance) or <see cref="Level3Mode.Shared"/> (Redis written through and
    /// shared by every instance of the same <see cref="Name"/>, with a backplane; needs a
    /// <see cref="RedisSharedLevel3"/>). In shared mode <see cref="L3Capacity"/> only bounds how many
    /// failed level 3 removals this cache remembers to retry.
    /// </summary>
    public Level3Mode Level3Mode { get; set; } = Level3Mode.Overflow;

    /// <summary>A name for the <c>cortex.cache.name</c> tag of the cache's metrics (and, in shared mode, the Redis namespace and channel).</summary>
    public string Name { get; set; } = "default";

    /// <summary>A copy, so that changing these options after the cache is created changes nothing.</summary>
    internal TieredCacheOptions Validated()
    {
        Check().ThrowIfAny();
        return (TieredCacheOptions)MemberwiseClone();
    }

    /// <summary>Every setting out of range, with what is allowed.</summary>
    internal SettingRules Check()
    {
        var rules = new SettingRules();
        rules.AtLeast(L1Capacity, 1, nameof(L1Capacity));
        rules.AtLeast(L2Capacity, 0, nameof(L2Capacity));
        rules.AtLeast(L3Capacity, 0, nameof(L3Capacity));
        rules.AtLeast(MaxEntrySizeBytes, 1, nameof(MaxEntrySizeBytes));
        rules.AtLeast(PromotionThreshold, 1, nameof(PromotionThreshold));
        rules.Require(L1MaxBytes is not < 1, nameof(L1MaxBytes), L1MaxBytes, "L1MaxBytes must be positive, or null for no byte budget.");
        rules.Require(L2MaxBytes is not < 1, nameof(L2MaxBytes), L2MaxBytes, "L2MaxBytes must be positive, or null for no byte budget.");
        rules.Positive(DefaultTtl, nameof(DefaultTtl));
        rules.TimerSpan(Level3Timeout, nameof(Level3Timeout));
        rules.NotBlank(Name, nameof(Name));
        rules.Require(Enum.IsDefined(Level1Policy), nameof(Level1Policy), Level1Policy, "Level1Policy must be Lru or WTinyLfu.");
        rules.Require(Enum.IsDefined(Level3Mode), nameof(Level3Mode), Level3Mode, "Level3Mode must be Overflow or Shared.");
        return rules;
    }
}
