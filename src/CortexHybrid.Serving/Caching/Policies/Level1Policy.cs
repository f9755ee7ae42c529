namespace CortexHybrid.Caching.Policies;

/// <summary>
/// The order level 1 keeps its entries in and which one leaves when it is over its entry count
/// or byte budget. Not thread-safe: the cache calls it under its lock (reads are recorded without
/// the lock and applied here later, see <c>TieredCache.Reads.cs</c>).
/// </summary>
internal abstract class Level1Policy
{
    /// <summary>Entries held.</summary>
    public abstract int Count { get; }

    /// <summary>Bytes the entries hold.</summary>
    public abstract long StoredBytes { get; }

    /// <summary>Every list the policy keeps, for walks over all of level 1 (invalidation).</summary>
    public abstract IReadOnlyList<RecencyList> Lists { get; }

    /// <summary>The policy <paramref name="policy"/> names, for level 1 of <paramref name="capacity"/> entries and <paramref name="maxBytes"/> bytes.</summary>
    public static Level1Policy Create(CachePolicy policy, int capacity, long? maxBytes) => policy switch
    {
        CachePolicy.Lru => new LruPolicy(),
        CachePolicy.WTinyLfu => new WTinyLfuPolicy(capacity, maxBytes),
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    /// <summary>A new entry (a write or a promotion from below) has entered level 1.</summary>
    public abstract void Add(CacheEntry entry);

    /// <summary>An entry still in level 1 was read.</summary>
    public abstract void OnRead(CacheEntry entry);

    /// <summary>An entry leaves level 1 (removed, replaced, expired, or the victim just selected).</summary>
    public abstract void Remove(CacheEntry entry);

    /// <summary>
    /// The entry to take out of level 1 because it is over its count or byte budget; the policy
    /// may reorder its lists to find it but keeps it on them: the cache then calls <see cref="Remove"/>.
    /// May be the entry just added (W-TinyLFU rejecting it at admission). Level 1 is not empty.
    /// </summary>
    public abstract CacheEntry SelectVictim();

    /// <summary>Forgets every entry (and, for W-TinyLFU, what it learned).</summary>
    public abstract void Clear();
}
