namespace CortexHybrid.Caching;

/// <summary>
/// An intrusive doubly linked list from most to least recently used, with its entry count and
/// byte totals. Not thread-safe: the cache calls it under its lock.
/// </summary>
/// <remarks>
/// Intrusive (the links live in <see cref="CacheEntry"/>) so that a move to the front is two
/// pointer swaps and no allocation; <see cref="LinkedList{T}"/> would allocate a node per entry.
/// </remarks>
internal sealed class RecencyList
{
    public CacheEntry? MostRecent { get; private set; }

    public CacheEntry? LeastRecent { get; private set; }

    public int Count { get; private set; }

    /// <summary>Bytes held (compressed size where compressed).</summary>
    public long StoredBytes { get; private set; }

    /// <summary>Bytes the values have uncompressed.</summary>
    public long OriginalBytes { get; private set; }

    public void AddMostRecent(CacheEntry entry)
    {
        entry.Older = MostRecent;
        entry.Newer = null;
        if (MostRecent is not null)
        {
            MostRecent.Newer = entry;
        }

        MostRecent = entry;
        LeastRecent ??= entry;
        Count++;
        StoredBytes += entry.StoredLength;
        OriginalBytes += entry.Data is null ? 0 : entry.OriginalLength;
    }

    public void Remove(CacheEntry entry)
    {
        Unlink(entry);
        Count--;
        StoredBytes -= entry.StoredLength;
        OriginalBytes -= entry.Data is null ? 0 : entry.OriginalLength;
    }

    public void MoveToMostRecent(CacheEntry entry)
    {
        if (ReferenceEquals(MostRecent, entry))
        {
            return;
        }

        Unlink(entry);
        entry.Older = MostRecent;
        MostRecent!.Newer = entry;
        MostRecent = entry;
    }

    public void Clear()
    {
        MostRecent = LeastRecent = null;
        Count = 0;
        StoredBytes = OriginalBytes = 0;
    }

    private void Unlink(CacheEntry entry)
    {
        if (entry.Newer is null)
        {
            MostRecent = entry.Older;
        }
        else
        {
            entry.Newer.Older = entry.Older;
        }

        if (entry.Older is null)
        {
            LeastRecent = entry.Newer;
        }
        else
        {
            entry.Older.Newer = entry.Newer;
        }

        entry.Newer = entry.Older = null;
    }
}
