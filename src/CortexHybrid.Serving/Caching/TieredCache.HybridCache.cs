namespace CortexHybrid.Caching;

/// <summary>The hooks <see cref="TieredHybridCache"/> uses for a level 1 hit that allocates nothing.</summary>
public sealed partial class TieredCache
{
    /// <summary>
    /// A level 1 hit as <see cref="GetAsync"/> makes it (key validated, disposal checked, the read
    /// recorded for the recency order, the hit counted in <see cref="CacheStatistics.L1Hits"/>), but
    /// giving the entry itself, so that the adapter can keep a decoded value on it. A miss counts
    /// nothing: the caller goes on to a call that does.
    /// </summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyLength"/> characters.</param>
    /// <param name="entry">The fresh level 1 entry (its <see cref="CacheEntry.Data"/> is the uncompressed value), or null.</param>
    /// <returns>Whether level 1 holds a fresh entry for <paramref name="key"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or too long.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    internal bool TryGetLevel1Hit(string key, out CacheEntry? entry)
    {
        ValidateKey(key);
        ThrowIfDisposed();
        if (_level1.TryGetValue(key, out CacheEntry? fresh) && IsFresh(fresh))
        {
            RecordRead(fresh);
            _level1Hits.Increment();
            entry = fresh;
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>The checks every keyed call makes first, for an adapter call that does not read the cache.</summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyLength"/> characters.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or too long.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    internal void ValidateKeyAndState(string key)
    {
        ValidateKey(key);
        ThrowIfDisposed();
    }
}
