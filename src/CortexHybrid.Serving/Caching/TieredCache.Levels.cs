using System.Diagnostics;
using Microsoft.Extensions.Caching.Memory;

namespace CortexHybrid.Caching;

/// <summary>Moves between levels. Every method here runs under <c>_sync</c>; level 3 calls are queued in a <see cref="Level3Work"/>.</summary>
public sealed partial class TieredCache
{
    private enum Found
    {
        Nothing,
        Level1,
        Level2,
        PendingLevel3,
    }

    /// <summary>
    /// Writes <paramref name="entry"/> to level 1, replacing its key at every level. With
    /// <paramref name="replacing"/> (a refresh), only while that entry is still level 1's: false,
    /// and nothing written, when it was removed, replaced or moved meanwhile.
    /// </summary>
    private async ValueTask<bool> Store(CacheEntry entry, CacheEntry? replacing = null)
    {
        if (_shared is not null)
        {
            return await StoreSharedAsync(entry, replacing).ConfigureAwait(false);
        }

        var work = new Level3Work();
        lock (_sync)
        {
            ThrowIfDisposed();
            if (replacing is not null && replacing.Level != CacheLevel.Level1)
            {
                return false;
            }

            RemoveEverywhereLocked(entry.Key, work);
            InsertLevel1Locked(entry, work);
        }

        await RunAsync(work).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<byte[]?> GetBelowLevel1Async(string key, CancellationToken cancellationToken)
    {
        var work = new Level3Work();
        Found found;
        CacheEntry? entry;
        lock (_sync)
        {
            ThrowIfDisposed();
            found = LookupLocked(key, work, out entry);
        }

        await RunAsync(work).ConfigureAwait(false);
        switch (found)
        {
            case Found.Level1:
                _level1Hits.Increment();
                return entry!.Data;
            case Found.Level2:
                _level2Hits.Increment();
                return PayloadCodec.Restore(entry!.Data!, entry.Compressed, entry.OriginalLength);
            case Found.PendingLevel3:
                _level3Hits.Increment();
                return PayloadCodec.Restore(entry!.Data!, entry.Compressed, entry.OriginalLength);
        }

        byte[]? value = _shared is null
            ? await ReadLevel3Async(key, cancellationToken).ConfigureAwait(false)
            : await ReadSharedAsync(key, cancellationToken).ConfigureAwait(false);
        (value is null ? _misses : _level3Hits).Increment();
        return value;
    }

    /// <summary>Looks in level 1 (again, under the lock), level 2 and the level 3 writes in flight; drops expired entries it meets.</summary>
    private Found LookupLocked(string key, Level3Work work, out CacheEntry? entry)
    {
        ApplyReadsLocked();
        long now = NowTicks();
        if (_level1.TryGetValue(key, out CacheEntry? first))
        {
            if (!first.IsExpiredAt(now))
            {
                _level1Policy.OnRead(first);
                entry = first;
                return Found.Level1;
            }

            RemoveFromLevel1Locked(first);
            _expirations++;
        }

        if (_level2.TryGetValue(key, out CacheEntry? second))
        {
            if (second.IsExpiredAt(now))
            {
                RemoveFromLevel2Locked(second);
                _expirations++;
            }
            else if (++second.Reads >= _options.PromotionThreshold)
            {
                // Served from level 2 (and counted there); level 1 holds it from now on.
                RemoveFromLevel2Locked(second);
                entry = PromoteLocked(second, work);
                return Found.Level2;
            }
            else
            {
                _level2Order.MoveToMostRecent(second);
                entry = second;
                return Found.Level2;
            }
        }

        if (_pendingLevel3.TryGetValue(key, out CacheEntry? pending) && !pending.IsExpiredAt(now))
        {
            entry = pending;
            return Found.PendingLevel3;
        }

        entry = null;
        return Found.Nothing;
    }

    /// <summary>Puts a value read below level 1 back into level 1, uncompressed.</summary>
    private CacheEntry PromoteLocked(CacheEntry below, Level3Work work)
    {
        byte[] value = PayloadCodec.Restore(below.Data!, below.Compressed, below.OriginalLength);
        var promoted = new CacheEntry(below.Key, value, value.Length, compressed: false, below.ExpiresAtUtcTicks, below.Tags)
        {
            FreshUntilTickCount = FreshUntil(below.ExpiresAtUtcTicks),
        };
        _promotions++;
        InsertLevel1Locked(promoted, work);
        return promoted;
    }

    private void InsertLevel1Locked(CacheEntry entry, Level3Work work)
    {
        ApplyReadsLocked();
        if (_options.L1MaxBytes is long max && entry.StoredLength > max)
        {
            // Larger than level 1's whole budget: straight to level 2, without emptying level 1 first.
            DemoteToLevel2Locked(entry, work);
            return;
        }

        entry.Level = CacheLevel.Level1;
        _level1[entry.Key] = entry;
        _level1Policy.Add(entry);
        while (_level1Policy.Count > _options.L1Capacity
            || (_options.L1MaxBytes is long budget && _level1Policy.StoredBytes > budget))
        {
            CacheEntry victim = _level1Policy.SelectVictim();
            RemoveFromLevel1Locked(victim);
            DemoteToLevel2Locked(victim, work);
        }
    }

    private void DemoteToLevel2Locked(CacheEntry fromLevel1, Level3Work work)
    {
        if (fromLevel1.IsExpiredAt(NowTicks()))
        {
            _expirations++;
            return;
        }

        if (_options.L2Capacity == 0 && _shared is not null)
        {
            _demotions++; // Redis holds it already (written through)
            return;
        }

        if (_options.L2Capacity == 0 && _level3 is null)
        {
            _evictions++; // nowhere to go: not worth compressing
            return;
        }

        byte[] stored = PayloadCodec.Store(fromLevel1.Data!, _options.EnableCompression, out bool compressed);
        var entry = new CacheEntry(fromLevel1.Key, stored, fromLevel1.OriginalLength, compressed, fromLevel1.ExpiresAtUtcTicks, fromLevel1.Tags);
        if (_options.L2Capacity == 0)
        {
            MoveToLevel3Locked(entry, work);
            return;
        }

        _demotions++;
        InsertLevel2Locked(entry, work);
    }

    /// <summary>Adds an entry to level 2 and moves what no longer fits down.</summary>
    private void InsertLevel2Locked(CacheEntry entry, Level3Work work)
    {
        Debug.Assert(_options.L2Capacity > 0, "level 2 is on");
        entry.Level = CacheLevel.Level2;
        _level2.Add(entry.Key, entry);
        _level2Order.AddMostRecent(entry);
        while (_level2Order.Count > _options.L2Capacity
            || (_options.L2MaxBytes is long budget && _level2Order.StoredBytes > budget))
        {
            CacheEntry victim = _level2Order.LeastRecent!;
            RemoveFromLevel2Locked(victim);
            if (victim.IsExpiredAt(NowTicks()))
            {
                _expirations++;
                continue;
            }

            MoveToLevel3Locked(victim, work);
        }
    }

    /// <summary>Queues a level 2 victim (or a level 1 one when level 2 is off) for level 3, or evicts it when there is none.</summary>
    private void MoveToLevel3Locked(CacheEntry entry, Level3Work work)
    {
        if (_shared is not null)
        {
            // Written through when it was set: dropping it here leaves it in level 3.
            _demotions++;
            return;
        }

        if (_level3 is null)
        {
            _evictions++;
            return;
        }

        // Counted as a demotion once the write has landed (see WriteGatedAsync).
        var pending = new CacheEntry(entry.Key, entry.Data, entry.OriginalLength, entry.Compressed, entry.ExpiresAtUtcTicks, entry.Tags)
        {
            Level = CacheLevel.PendingLevel3,
        };
        _pendingLevel3[entry.Key] = pending;
        work.Write(pending);
    }

    /// <summary>Removes a key from levels 1 and 2 and cancels a level 3 write in flight; queues its removal from level 3 when it may be there.</summary>
    private bool RemoveEverywhereLocked(string key, Level3Work work)
    {
        _removalEpoch++;
        bool found = false;
        if (_level1.TryGetValue(key, out CacheEntry? first))
        {
            RemoveFromLevel1Locked(first);
            found = true;
        }

        if (_level2.TryGetValue(key, out CacheEntry? second))
        {
            RemoveFromLevel2Locked(second);
            found = true;
        }

        if (_pendingLevel3.Remove(key, out CacheEntry? pending))
        {
            pending.Level = CacheLevel.None;
            work.Remove(key);
            found = true;
        }

        if (_level3Index.TryGetValue(key, out CacheEntry? record))
        {
            RemoveLevel3RecordLocked(record);
            work.Remove(key);
            found = true;
        }

        return found;
    }

    private void RemoveFromLevel1Locked(CacheEntry entry)
    {
        _level1.TryRemove(entry.Key, out _);
        _level1Policy.Remove(entry);
        entry.Level = CacheLevel.None;
    }

    private void RemoveFromLevel2Locked(CacheEntry entry)
    {
        _level2.Remove(entry.Key);
        _level2Order.Remove(entry);
        entry.Level = CacheLevel.None;
    }
}
