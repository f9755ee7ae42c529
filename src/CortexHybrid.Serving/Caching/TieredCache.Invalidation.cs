using CortexHybrid.Caching.Policies;

namespace CortexHybrid.Caching;

/// <summary>Removal by tag, by prefix and of everything.</summary>
public sealed partial class TieredCache
{
    /// <summary>Removes every entry carrying <paramref name="tag"/> from every level, level 3 included (in shared mode: every instance's, through Redis and the backplane).</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="cancellationToken">Checked before the removal.</param>
    /// <returns>How many keys were removed.</returns>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is null or empty.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public ValueTask<int> RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        if (_shared is not null)
        {
            return RemoveSharedWhereAsync('T', tag, entry => entry.HasTag(tag), cancellationToken);
        }

        return RemoveWhereAsync(entry => entry.HasTag(tag), cancellationToken);
    }

    /// <summary>Removes every key starting with <paramref name="prefix"/> (ordinal) from every level, level 3 included (in shared mode: every instance's).</summary>
    /// <param name="prefix">The prefix; not empty (<see cref="ClearAsync"/> removes everything).</param>
    /// <param name="cancellationToken">Checked before the removal.</param>
    /// <returns>How many keys were removed.</returns>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is null or empty.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public ValueTask<int> RemoveByPrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (_shared is not null)
        {
            return RemoveSharedWhereAsync('P', prefix, entry => entry.Key.StartsWith(prefix, StringComparison.Ordinal), cancellationToken);
        }

        return RemoveWhereAsync(entry => entry.Key.StartsWith(prefix, StringComparison.Ordinal), cancellationToken);
    }

    /// <summary>Removes every entry from levels 1 and 2 and every key this cache placed in level 3 (in shared mode: every key of the cache's Redis namespace, and every instance's levels 1 and 2).</summary>
    /// <param name="cancellationToken">Checked before the removal.</param>
    /// <returns>A task that completes when level 3 has been cleared too.</returns>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public async ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        if (_shared is not null)
        {
            await RemoveSharedWhereAsync('C', string.Empty, static _ => true, cancellationToken).ConfigureAwait(false);
            return;
        }

        await RemoveWhereAsync(static _ => true, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<int> RemoveWhereAsync(Func<CacheEntry, bool> match, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var work = new Level3Work();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        lock (_sync)
        {
            ThrowIfDisposed();
            AddKeys(keys, _level1Policy.Lists, match);
            AddKeys(keys, _level2Order, match);
            AddKeys(keys, _level3Order, match);
            foreach (CacheEntry pending in _pendingLevel3.Values)
            {
                if (match(pending))
                {
                    keys.Add(pending.Key);
                }
            }

            foreach (string key in keys)
            {
                RemoveEverywhereLocked(key, work);
            }
        }

        await RunAsync(work).ConfigureAwait(false);
        return keys.Count;
    }

    private static void AddKeys(HashSet<string> keys, IReadOnlyList<RecencyList> lists, Func<CacheEntry, bool> match)
    {
        foreach (RecencyList list in lists)
        {
            AddKeys(keys, list, match);
        }
    }

    private static void AddKeys(HashSet<string> keys, RecencyList level, Func<CacheEntry, bool> match)
    {
        for (CacheEntry? entry = level.MostRecent; entry is not null; entry = entry.Older)
        {
            if (match(entry))
            {
                keys.Add(entry.Key);
            }
        }
    }
}
