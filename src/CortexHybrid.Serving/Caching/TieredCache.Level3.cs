using Microsoft.Extensions.Caching.Distributed;

namespace CortexHybrid.Caching;

/// <summary>
/// Level 3: calls to the <see cref="IDistributedCache"/>, made outside <c>_sync</c> and ordered per
/// key by a striped gate, so that a removal can never be overtaken by an older write of the same key.
/// </summary>
public sealed partial class TieredCache
{
    private const int GateCount = 64;

    private static readonly TimeSpan NeverExpires = TimeSpan.FromDays(36_500);

    /// <summary>The key <see cref="ProbeLevel3Async"/> reads: longer than any key the cache accepts, so it is never a real entry's.</summary>
    private static readonly string ProbeKey = "cortex:probe:" + new string('-', MaxKeyLength);

    private readonly IDistributedCache? _level3;
    private readonly Dictionary<string, CacheEntry> _pendingLevel3 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CacheEntry> _level3Index = new(StringComparer.Ordinal);
    private readonly RecencyList _level3Order = new();

    /// <summary>Keys level 3 may still hold after a removal failed: never read from level 3 until a removal succeeds.</summary>
    private readonly HashSet<string> _unremoved = new(StringComparer.Ordinal);
    private readonly Queue<string> _unremovedOrder = new();
    private readonly SemaphoreSlim[] _gates = CreateGates();

    /// <summary>
    /// Changes whenever a key is removed or replaced (under <c>_sync</c>): a level 3 read that
    /// overlapped one must not promote or record what it read, which may be the removed value.
    /// </summary>
    private long _removalEpoch;

    private long _level3Errors;
    private long _level3RetryAtTicks;

    /// <summary>1 from a failed level 3 call until the next successful one (logged as the circuit opening and closing).</summary>
    private int _level3CircuitOpen;

    /// <summary><see cref="_level3Errors"/> when the circuit last opened, so the closing can say how many calls failed meanwhile.</summary>
    private long _level3ErrorsAtOpen;

    private static SemaphoreSlim[] CreateGates()
    {
        var gates = new SemaphoreSlim[GateCount];
        for (int i = 0; i < gates.Length; i++)
        {
            gates[i] = new SemaphoreSlim(1, 1);
        }

        return gates;
    }

    private SemaphoreSlim GateFor(string key) => _gates[(uint)StringComparer.Ordinal.GetHashCode(key) % GateCount];

    /// <summary>Whether level 3 may be called now: it exists and the circuit is closed or due for a retry.</summary>
    private bool Level3Available => (_level3 is not null || _shared is not null) && NowTicks() >= Volatile.Read(ref _level3RetryAtTicks);

    private void Level3Failed(string operation, Exception exception)
    {
        Interlocked.Increment(ref _level3Errors);
        Volatile.Write(ref _level3RetryAtTicks, NowTicks() + Level3RetryDelay.Ticks);
        ArmRetry();
        CacheLog.Level3CallFailed(_logger, _options.Name, operation, exception);
        if (Interlocked.Exchange(ref _level3CircuitOpen, 1) == 0)
        {
            _level3ErrorsAtOpen = Volatile.Read(ref _level3Errors) - 1;
            CacheLog.Level3CircuitOpened(_logger, _options.Name, Level3RetryDelay);
        }
    }

    private void Level3Succeeded()
    {
        // One volatile read on the success path; the exchange only after an outage.
        if (Volatile.Read(ref _level3CircuitOpen) == 1 && Interlocked.Exchange(ref _level3CircuitOpen, 0) == 1)
        {
            CacheLog.Level3CircuitClosed(_logger, _options.Name, Volatile.Read(ref _level3Errors) - _level3ErrorsAtOpen);
            if (_shared is not null)
            {
                _ = ReplayPendingAsync();
            }
        }
    }

    /// <summary>
    /// While the circuit is open and a retry is due, one cheap level 3 call (a read of a key nobody
    /// writes), so that a recovered level 3 closes the circuit without waiting for traffic (the
    /// health check calls this: an instance taken out of rotation gets none).
    /// </summary>
    internal async ValueTask ProbeLevel3Async(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _level3CircuitOpen) == 1 && Level3Available)
        {
            if (_shared is not null)
            {
                await TryLevel3Async("probe", () => _shared.GetAsync(ProbeKey), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await TryLevel3Async("probe", (level3, token) => level3.GetAsync(ProbeKey, token), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one level 3 call with the configured timeout; false (counted and logged) when it fails or times out.</summary>
    private ValueTask<bool> TryLevel3Async(string operation, Func<IDistributedCache, CancellationToken, Task> call, CancellationToken cancellationToken) =>
        TryLevel3Async(operation, () => call(_level3!, cancellationToken), cancellationToken);

    /// <summary>Runs one level 3 call within <paramref name="timeout"/> (null: the configured timeout); false (counted and logged) when it fails or times out.</summary>
    private async ValueTask<bool> TryLevel3Async(string operation, Func<Task> call, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        try
        {
            await call().WaitAsync(timeout ?? _options.Level3Timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            Level3Failed(operation, exception);
            return false;
        }

        Level3Succeeded();
        return true;
    }

    private async ValueTask<byte[]?> ReadLevel3Async(string key, CancellationToken cancellationToken)
    {
        if (!Level3Available)
        {
            return null;
        }

        SemaphoreSlim gate = GateFor(key);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var work = new Level3Work();
        byte[]? value;
        try
        {
            bool unremoved;
            long epoch;
            lock (_sync)
            {
                unremoved = _unremoved.Contains(key);
                epoch = _removalEpoch;
            }

            if (unremoved)
            {
                // Whatever level 3 holds here was removed from the cache; once the removal goes through it is a plain miss.
                await RemoveGatedAsync(key).ConfigureAwait(false);
                return null;
            }

            byte[]? envelope = null;
            if (!await TryLevel3Async("get", async (level3, token) => envelope = await level3.GetAsync(key, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false))
            {
                // Failed or timed out: level 3 may well still hold the key, so its record stays.
                return null;
            }

            if (envelope is null)
            {
                lock (_sync)
                {
                    // Gone from level 3 (its own expiry or eviction): forget it.
                    if (_level3Index.TryGetValue(key, out CacheEntry? gone) && !_pendingLevel3.ContainsKey(key))
                    {
                        if (gone.IsExpiredAt(NowTicks()))
                        {
                            _expirations++;
                        }

                        RemoveLevel3RecordLocked(gone);
                    }
                }

                return null;
            }

            if (!PayloadCodec.TryUnwrap(key, envelope, out CacheEntry stored))
            {
                return null;
            }

            if (stored.IsExpiredAt(NowTicks()))
            {
                lock (_sync)
                {
                    _expirations++;
                }

                await RemoveGatedAsync(key).ConfigureAwait(false);
                return null;
            }

            bool promoted = false;
            value = null;
            lock (_sync)
            {
                ThrowIfDisposed();
                _level3Index.TryGetValue(key, out CacheEntry? record);
                int reads = (record?.Reads ?? 0) + 1;
                bool newerAbove = _level1.TryGetValue(key, out _) || _level2.ContainsKey(key) || _pendingLevel3.ContainsKey(key)
                    || _removalEpoch != epoch;
                if (!newerAbove && reads >= _options.PromotionThreshold)
                {
                    value = PromoteLocked(stored, work).Data;
                    promoted = true;
                }
                else if (record is not null)
                {
                    record.Reads = reads;
                    _level3Order.MoveToMostRecent(record);
                }
                else if (!newerAbove)
                {
                    AddLevel3RecordLocked(key, stored.ExpiresAtUtcTicks, stored.Tags, reads, work);
                }
            }

            value ??= PayloadCodec.Restore(stored.Data!, stored.Compressed, stored.OriginalLength);
            if (promoted)
            {
                await RemoveGatedAsync(key).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }

        await RunAsync(work).ConfigureAwait(false);
        return value;
    }

    /// <summary>Runs the level 3 calls a change queued, in order; calls they queue in turn run too.</summary>
    private ValueTask RunAsync(Level3Work work)
    {
        if (work.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }

        return RunQueuedAsync(work);
    }

    private async ValueTask RunQueuedAsync(Level3Work work)
    {
        bool retried = false;
        for (int i = 0; ; i++)
        {
            if (i == work.Count)
            {
                if (retried)
                {
                    return;
                }

                retried = true;
                RetryFailedRemovals(work);
                if (i == work.Count)
                {
                    return;
                }
            }

            (CacheEntry? write, string key) = work[i];
            SemaphoreSlim gate = GateFor(key);
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (write is not null)
                {
                    await WriteGatedAsync(write, work).ConfigureAwait(false);
                }
                else
                {
                    await RemoveGatedAsync(key).ConfigureAwait(false);
                }
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>Writes a level 2 victim to level 3, unless it was replaced or removed meanwhile. Caller holds the key's gate.</summary>
    private async ValueTask WriteGatedAsync(CacheEntry pending, Level3Work work)
    {
        string key = pending.Key;
        long remaining;
        lock (_sync)
        {
            if (!_pendingLevel3.TryGetValue(key, out CacheEntry? current) || !ReferenceEquals(current, pending))
            {
                return;
            }

            remaining = pending.ExpiresAtUtcTicks - NowTicks();
            if (remaining <= 0 || !Level3Available)
            {
                _pendingLevel3.Remove(key);
                pending.Level = CacheLevel.None;
                if (remaining <= 0)
                {
                    _expirations++;
                }
                else
                {
                    _evictions++;
                }

                return;
            }
        }

        byte[] envelope = PayloadCodec.Wrap(pending);

        // A time to live beyond a century is "never" (distributed caches add it to their own clock,
        // which overflows near DateTime.MaxValue); the envelope still carries the exact expiry.
        var entryOptions = remaining > NeverExpires.Ticks
            ? new DistributedCacheEntryOptions()
            : new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromTicks(remaining) };
        bool written = await TryLevel3Async("set", (level3, token) => level3.SetAsync(key, envelope, entryOptions, token), CancellationToken.None).ConfigureAwait(false);
        bool replaced;
        lock (_sync)
        {
            replaced = !_pendingLevel3.TryGetValue(key, out CacheEntry? current) || !ReferenceEquals(current, pending);
            if (!replaced)
            {
                _pendingLevel3.Remove(key);
                pending.Level = CacheLevel.None;
                if (written)
                {
                    _demotions++;
                    _unremoved.Remove(key);
                    AddLevel3RecordLocked(key, pending.ExpiresAtUtcTicks, pending.Tags, reads: 0, work);
                }
                else
                {
                    _evictions++;
                }
            }

            if (!written)
            {
                // A write that timed out may still land once level 3 answers again: treat the key
                // as possibly there, so it is not read from level 3 until a removal has gone through.
                MarkUnremovedLocked(key);
            }
        }

        if (replaced && written)
        {
            // Replaced or removed while the write was in flight: take the old value back out.
            await RemoveGatedAsync(key).ConfigureAwait(false);
        }
    }

    /// <summary>Removes a key from level 3; when that fails, the key is not read from level 3 until a later removal succeeds. Caller holds the key's gate.</summary>
    private async ValueTask<bool> RemoveGatedAsync(string key)
    {
        bool removed = Level3Available && await TryLevel3Async("remove", (level3, token) => level3.RemoveAsync(key, token), CancellationToken.None).ConfigureAwait(false);
        lock (_sync)
        {
            if (_level3Index.TryGetValue(key, out CacheEntry? record) && !_pendingLevel3.ContainsKey(key))
            {
                RemoveLevel3RecordLocked(record);
            }

            if (removed)
            {
                _unremoved.Remove(key);
            }
            else
            {
                MarkUnremovedLocked(key);
            }
        }

        return removed;
    }

    private void MarkUnremovedLocked(string key)
    {
        if (_unremoved.Add(key))
        {
            _unremovedOrder.Enqueue(key);
            TrimUnremovedLocked();
        }

        ArmRetry(); // shared mode only: a pending removal is retried even with no traffic

    }

    /// <summary>
    /// Keeps the set of keys awaiting removal within <see cref="TieredCacheOptions.L3Capacity"/>;
    /// past that, during a long outage, the oldest are forgotten (their level 3 copies then expire on
    /// their own time to live).
    /// </summary>
    private void TrimUnremovedLocked()
    {
        while (_unremovedOrder.Count > Math.Max(_options.L3Capacity, 1))
        {
            _unremoved.Remove(_unremovedOrder.Dequeue());
        }
    }

    /// <summary>Once level 3 answers again, queues a few of the removals that failed during the outage.</summary>
    private void RetryFailedRemovals(Level3Work work)
    {
        if (!Level3Available)
        {
            return;
        }

        lock (_sync)
        {
            for (int retries = 0; retries < 16 && _unremovedOrder.TryDequeue(out string? key); retries++)
            {
                if (_unremoved.Contains(key))
                {
                    _unremovedOrder.Enqueue(key);
                    work.Remove(key);
                }
            }
        }
    }

    private void AddLevel3RecordLocked(string key, long expiresAtUtcTicks, string[]? tags, int reads, Level3Work work)
    {
        if (_level3Index.Remove(key, out CacheEntry? old))
        {
            _level3Order.Remove(old);
        }

        var record = new CacheEntry(key, data: null, originalLength: 0, compressed: false, expiresAtUtcTicks, tags)
        {
            Level = CacheLevel.Level3,
            Reads = reads,
        };
        _level3Index.Add(key, record);
        _level3Order.AddMostRecent(record);
        while (_level3Order.Count > _options.L3Capacity)
        {
            CacheEntry victim = _level3Order.LeastRecent!;
            RemoveLevel3RecordLocked(victim);
            _evictions++;
            work.Remove(victim.Key);
        }
    }

    private void RemoveLevel3RecordLocked(CacheEntry record)
    {
        _level3Index.Remove(record.Key);
        _level3Order.Remove(record);
        record.Level = CacheLevel.None;
    }

    /// <summary>Level 3 calls queued under the lock, run in order after it is released; running one may queue more.</summary>
    private sealed class Level3Work
    {
        private readonly List<(CacheEntry? Write, string Key)> _calls = [];

        public bool IsEmpty => _calls.Count == 0;

        public int Count => _calls.Count;

        public (CacheEntry? Write, string Key) this[int index] => _calls[index];

        public void Write(CacheEntry pending) => _calls.Add((pending, pending.Key));

        public void Remove(string key) => _calls.Add((null, key));

        public bool RemovesKey(string key) => _calls.Exists(call => call.Write is null && call.Key == key);
    }
}
