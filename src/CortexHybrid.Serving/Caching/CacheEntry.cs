using CortexHybrid.Caching.Policies;

namespace CortexHybrid.Caching;

/// <summary>Where a <see cref="CacheEntry"/> is now. Changed only under the cache's lock.</summary>
internal enum CacheLevel : byte
{
    /// <summary>Removed, replaced or moved: a reader holding it may still use its bytes, nothing else.</summary>
    None,
    Level1,
    Level2,

    /// <summary>Taken from level 2, being written to level 3.</summary>
    PendingLevel3,

    /// <summary>A record of a key this cache placed in level 3 (no bytes held here).</summary>
    Level3,
}

/// <summary>
/// One cached value and its node in its level's recency list. The value, its form and its expiry
/// never change after construction (a reader may hold the entry while it moves); a move to another
/// level makes a new entry.
/// </summary>
internal sealed class CacheEntry(string key, byte[]? data, int originalLength, bool compressed, long expiresAtUtcTicks, string[]? tags)
{
    public readonly string Key = key;

    /// <summary>The bytes as stored: the value itself, or its Brotli form when <see cref="Compressed"/>; null for a level 3 record.</summary>
    public readonly byte[]? Data = data;

    public readonly int OriginalLength = originalLength;
    public readonly bool Compressed = compressed;
    public readonly long ExpiresAtUtcTicks = expiresAtUtcTicks;
    public readonly string[]? Tags = tags;

    /// <summary>
    /// For level 1 on the system clock: until this <see cref="Environment.TickCount64"/> the entry
    /// is certainly not expired, so a hit needs no precise clock read. Set before the entry is
    /// published; <see cref="long.MinValue"/> means always check precisely.
    /// </summary>
    public long FreshUntilTickCount = long.MinValue;

    /// <summary>
    /// For <see cref="TieredHybridCache"/>: an immutable value decoded from <see cref="Data"/>,
    /// kept on a level 1 entry so that later hits skip deserialization. Set on first decode (two
    /// readers racing both decode and one result stays: a benign race); null until then.
    /// </summary>
    public volatile object? Decoded;

    public CacheLevel Level;

    /// <summary>Reads since the entry arrived at its level below level 1 (promotion counts them).</summary>
    public int Reads;

    /// <summary>Which list of the level 1 policy holds the entry (while <see cref="Level"/> is <see cref="CacheLevel.Level1"/>).</summary>
    public Level1Region Region;

    /// <summary>Whether <see cref="SketchHash"/> is computed (under the cache's lock, by <see cref="KeyHash.Of(CacheEntry)"/>).</summary>
    public bool HasSketchHash;

    /// <summary>The key's hash for the W-TinyLFU frequency sketch, once <see cref="HasSketchHash"/>.</summary>
    public int SketchHash;

    public CacheEntry? Newer;
    public CacheEntry? Older;

    /// <summary>Bytes this entry holds in process.</summary>
    public int StoredLength => Data?.Length ?? 0;

    public bool IsExpiredAt(long nowUtcTicks) => nowUtcTicks >= ExpiresAtUtcTicks;

    public bool HasTag(string tag) => Tags is not null && Array.IndexOf(Tags, tag) >= 0;
}
