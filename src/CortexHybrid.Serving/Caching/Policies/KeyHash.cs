namespace CortexHybrid.Caching.Policies;

/// <summary>
/// A deterministic hash of a key for the frequency sketch (FNV-1a over its UTF-16 code units), so
/// that a policy makes the same choices on every run (string hash codes are randomized per process).
/// Flooding the sketch with colliding keys is bounded by the random admission of
/// <see cref="WTinyLfuPolicy"/>.
/// </summary>
internal static class KeyHash
{
    /// <summary>The hash of <paramref name="entry"/>'s key, computed once per entry (under the cache's lock).</summary>
    public static int Of(CacheEntry entry)
    {
        if (!entry.HasSketchHash)
        {
            entry.SketchHash = Of(entry.Key);
            entry.HasSketchHash = true;
        }

        return entry.SketchHash;
    }

    /// <summary>The hash of <paramref name="key"/>.</summary>
    public static int Of(string key)
    {
        uint hash = 2166136261;
        foreach (char c in key)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return (int)hash;
    }
}
