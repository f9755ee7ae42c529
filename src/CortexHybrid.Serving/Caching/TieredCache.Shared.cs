using System.Diagnostics;
using StackExchange.Redis;

namespace CortexHybrid.Caching;

/// <summary>
/// <see cref="Level3Mode.Shared"/>: level 3 is a <see cref="RedisSharedLevel3"/> written through,
/// and a <see cref="RedisBackplane"/> tells the other instances what changed.
/// </summary>
/// <remarks>
/// <para>
/// Writes and removals of one key take the key's gate around both the change to levels 1 and 2 and
/// the Redis call, so Redis sees one instance's changes of a key in the order its levels did.
/// Reads do not take it: a read from Redis that overlapped a change or an invalidation
/// (<c>_removalEpoch</c> moved) is returned but not kept in levels 1 and 2.
/// </para>
/// <para>
/// A Redis call that fails (or a publish that cannot be made) leaves a pending invalidation: the
/// key, tag or prefix is not read from level 3 here until it has been deleted from Redis again and
/// published again, which happens as soon as level 3 answers (the circuit closes or the connection
/// is restored).
/// </para>
/// </remarks>
public sealed partial class TieredCache
{
    private readonly RedisSharedLevel3? _shared;
    private readonly RedisBackplane? _backplane;
    private readonly Action<RedisChannel, RedisValue>? _onBackplaneMessage;
    private readonly EventHandler<ConnectionFailedEventArgs>? _onConnectionRestored;

    /// <summary>This cache's sender id on the backplane.</summary>
    private readonly string _instanceId = Guid.NewGuid().ToString("N");

    /// <summary>Tags and prefixes whose removal from Redis (or its publication) failed; under <c>_sync</c>.</summary>
    private readonly HashSet<string> _unremovedTags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unremovedPrefixes = new(StringComparer.Ordinal);

    /// <summary>A <see cref="ClearAsync"/> whose Redis part failed; under <c>_sync</c>.</summary>
    private bool _clearPending;

    private Task _backplaneReady = Task.CompletedTask;
    private int _subscribed;

    /// <summary>1 once a subscription attempt failed, until one succeeds (which then drops levels 1 and 2).</summary>
    private int _subscriptionFailed;
    private int _replaying;

    /// <summary>1 when a replay was asked for since the running one read what is pending.</summary>
    private int _replayRequested;

    /// <summary>Guards <see cref="_retryTimer"/> and <see cref="_retryDueTicks"/>.</summary>
    private readonly Lock _retrySync = new();

    /// <summary>Fires once when a retry is due (see <see cref="ArmRetry"/>); created at the first failure.</summary>
    private ITimer? _retryTimer;

    /// <summary>When the armed timer fires (UTC ticks of the cache's clock); 0 when it is not armed.</summary>
    private long _retryDueTicks;
    private long _backplanePublished;
    private long _backplaneReceived;
    private long _reconnects;

    /// <summary>Completes when the backplane subscription has been made (or has failed, counted as a level 3 error).</summary>
    internal Task BackplaneReady => Volatile.Read(ref _backplaneReady);

    /// <summary>Whether the backplane subscription is made (or being made: see <see cref="BackplaneReady"/>); for tests.</summary>
    internal bool BackplaneSubscribed => Volatile.Read(ref _subscribed) == 1;

    /// <summary>This cache's id on the backplane.</summary>
    internal string InstanceId => _instanceId;

    private void AttachShared()
    {
        Debug.Assert(_shared is not null, "shared mode only");
        _shared.Connection.ConnectionRestored += _onConnectionRestored;
        if (_backplane is not null)
        {
            if (!ReferenceEquals(_backplane.Connection, _shared.Connection))
            {
                _backplane.Connection.ConnectionRestored += _onConnectionRestored;
            }

            _backplaneReady = SubscribeBackplaneAsync();
        }
    }

    private void DetachShared()
    {
        if (_shared is null)
        {
            return;
        }

        _shared.Connection.ConnectionRestored -= _onConnectionRestored;
        lock (_retrySync)
        {
            _retryTimer?.Dispose();
            _retryTimer = null;
            _retryDueTicks = 0;
        }

        if (_backplane is not null)
        {
            _backplane.Connection.ConnectionRestored -= _onConnectionRestored;
            try
            {
                _backplane.Unsubscribe(_onBackplaneMessage!);
            }
            catch (Exception exception) when (exception is RedisException or ObjectDisposedException)
            {
                // The connection is gone: so is the subscription.
            }
        }
    }

    private async Task SubscribeBackplaneAsync()
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 1)
        {
            return;
        }

        if (!await TryLevel3Async("subscribe", () => _backplane!.SubscribeAsync(_onBackplaneMessage!), CancellationToken.None).ConfigureAwait(false))
        {
            // Tried again when the connection is restored or the retry timer fires. A subscription
            // that timed out but was made after all then delivers each message twice: dropping a key
            // twice is harmless.
            Volatile.Write(ref _subscriptionFailed, 1);
            Volatile.Write(ref _subscribed, 0);
            return;
        }

        if (Interlocked.Exchange(ref _subscriptionFailed, 0) == 1)
        {
            // Made late: messages published before it were missed, as in an outage. Drop levels 1 and 2.
            lock (_sync)
            {
                DropLocalLocked(static _ => true);
                _removalEpoch++;
            }
        }
    }

    /// <summary>
    /// The outage rule: the connection was restored, so messages published meanwhile may have been
    /// missed. Levels 1 and 2 are dropped entirely (whatever they hold may have been invalidated
    /// elsewhere), level 3 is tried again at once, the subscription is made if it never was, and
    /// this cache's own pending invalidations are replayed.
    /// </summary>
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        int dropped;
        lock (_sync)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            dropped = DropLocalLocked(static _ => true);
            _removalEpoch++;
        }

        Interlocked.Increment(ref _reconnects);
        Volatile.Write(ref _level3RetryAtTicks, 0);
        CacheLog.Level3Reconnected(_logger, _options.Name, e.ConnectionType.ToString(), dropped);
        if (_backplane is not null && Volatile.Read(ref _subscribed) == 0)
        {
            Volatile.Write(ref _backplaneReady, SubscribeBackplaneAsync());
        }

        _ = ReplayPendingAsync();
    }

    /// <summary>Another instance changed something: drop this cache's level 1/2 copies of it.</summary>
    private void OnBackplaneMessage(RedisChannel channel, RedisValue message)
    {
        if (!RedisBackplane.TryParse(message, out ReadOnlySpan<char> sender, out char kind, out string subject)
            || sender.SequenceEqual(_instanceId) || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        Interlocked.Increment(ref _backplaneReceived);
        lock (_sync)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            _removalEpoch++;
            switch (kind)
            {
                case 'S' or 'R':
                    var work = new Level3Work();
                    RemoveEverywhereLocked(subject, work);
                    Debug.Assert(work.IsEmpty, "shared mode queues no level 3 calls under the lock");
                    break;
                case 'T':
                    DropLocalLocked(entry => entry.HasTag(subject));
                    break;
                case 'P':
                    DropLocalLocked(entry => entry.Key.StartsWith(subject, StringComparison.Ordinal));
                    break;
                default:
                    DropLocalLocked(static _ => true);
                    break;
            }
        }
    }

    /// <summary>Removes matching entries from levels 1 and 2; how many.</summary>
    private int DropLocalLocked(Func<CacheEntry, bool> match)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        AddKeys(keys, _level1Policy.Lists, match);
        AddKeys(keys, _level2Order, match);
        var work = new Level3Work();
        foreach (string key in keys)
        {
            RemoveEverywhereLocked(key, work);
        }

        Debug.Assert(work.IsEmpty, "shared mode queues no level 3 calls under the lock");
        return keys.Count;
    }

    /// <summary>A write: levels 1 (and what it pushes down) and Redis, then the backplane; see <see cref="Store"/> for <paramref name="replacing"/>.</summary>
    private async ValueTask<bool> StoreSharedAsync(CacheEntry entry, CacheEntry? replacing)
    {
        string key = entry.Key;
        SemaphoreSlim gate = GateFor(key);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var work = new Level3Work();
            lock (_sync)
            {
                ThrowIfDisposed();
                if (replacing is not null && replacing.Level != CacheLevel.Level1)
                {
                    return false;
                }

                RemoveEverywhereLocked(key, work);
                InsertLevel1Locked(entry, work);
            }

            Debug.Assert(work.IsEmpty, "shared mode queues no level 3 calls under the lock");
            await WriteSharedGatedAsync(entry).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }

        await PublishAsync('S', key).ConfigureAwait(false);
        return true;
    }

    /// <summary>Writes an entry through to Redis; on failure, marks the key so Redis's older copy is deleted later. Caller holds the key's gate.</summary>
    private async ValueTask WriteSharedGatedAsync(CacheEntry entry)
    {
        string key = entry.Key;
        long remaining = entry.ExpiresAtUtcTicks - NowTicks();
        if (remaining <= 0)
        {
            // Expired already: Redis must not keep an older value either.
            await RemoveSharedGatedAsync(key).ConfigureAwait(false);
            return;
        }

        bool written = false;
        if (Level3Available)
        {
            byte[] stored = PayloadCodec.Store(entry.Data!, _options.EnableCompression, out bool compressed);
            byte[] envelope = PayloadCodec.Wrap(new CacheEntry(key, stored, entry.OriginalLength, compressed, entry.ExpiresAtUtcTicks, entry.Tags));
            written = await TryLevel3Async("set", () => _shared!.SetAsync(key, envelope, TimeSpan.FromTicks(remaining), entry.Tags), CancellationToken.None).ConfigureAwait(false);
        }

        lock (_sync)
        {
            if (written)
            {
                _unremoved.Remove(key);
            }
            else
            {
                // Redis may hold an older value (or this one, if the write timed out but landed).
                MarkUnremovedLocked(key);
            }
        }
    }

    /// <summary>Deletes a key from Redis; on failure it stays pending. True when Redis held it. Caller holds the key's gate.</summary>
    private async ValueTask<bool> RemoveSharedGatedAsync(string key)
    {
        bool deleted = false;
        bool removed = Level3Available
            && await TryLevel3Async("remove", async () => deleted = await _shared!.RemoveAsync(key).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
        lock (_sync)
        {
            if (removed)
            {
                _unremoved.Remove(key);
            }
            else
            {
                MarkUnremovedLocked(key);
            }
        }

        return deleted;
    }

    private async ValueTask<bool> RemoveSharedAsync(string key)
    {
        SemaphoreSlim gate = GateFor(key);
        await gate.WaitAsync().ConfigureAwait(false);
        bool found;
        try
        {
            var work = new Level3Work();
            lock (_sync)
            {
                ThrowIfDisposed();
                found = RemoveEverywhereLocked(key, work);
            }

            Debug.Assert(work.IsEmpty, "shared mode queues no level 3 calls under the lock");
            found |= await RemoveSharedGatedAsync(key).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }

        await PublishAsync('R', key).ConfigureAwait(false);
        return found;
    }

    /// <summary>A read below levels 1 and 2: from Redis, kept in level 2 (level 1 when reads promote at once or level 2 is off) unless it overlapped a change.</summary>
    private async ValueTask<byte[]?> ReadSharedAsync(string key, CancellationToken cancellationToken)
    {
        if (!Level3Available)
        {
            return null;
        }

        bool unremoved;
        bool pending;
        long epoch;
        lock (_sync)
        {
            unremoved = _unremoved.Contains(key);
            pending = unremoved || _clearPending || MatchesPendingPrefixLocked(key);
            epoch = _removalEpoch;
        }

        if (pending)
        {
            if (unremoved)
            {
                SemaphoreSlim gate = GateFor(key);
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await RemoveSharedGatedAsync(key).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }

            return null;
        }

        byte[]? envelope = null;
        if (!await TryLevel3Async("get", async () => envelope = await _shared!.GetAsync(key).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)
            || envelope is null
            || !PayloadCodec.TryUnwrap(key, envelope, out CacheEntry stored))
        {
            return null;
        }

        if (stored.IsExpiredAt(NowTicks()))
        {
            lock (_sync)
            {
                _expirations++;
            }

            return null;
        }

        byte[] value = PayloadCodec.Restore(stored.Data!, stored.Compressed, stored.OriginalLength);
        var work = new Level3Work();
        lock (_sync)
        {
            ThrowIfDisposed();
            if (HasPendingTagLocked(stored.Tags))
            {
                return null;
            }

            bool newerAbove = _removalEpoch != epoch || _level1.TryGetValue(key, out _) || _level2.ContainsKey(key);
            if (!newerAbove)
            {
                if (_options.PromotionThreshold <= 1 || _options.L2Capacity == 0)
                {
                    _promotions++;
                    InsertLevel1Locked(new CacheEntry(key, value, value.Length, compressed: false, stored.ExpiresAtUtcTicks, stored.Tags)
                    {
                        FreshUntilTickCount = FreshUntil(stored.ExpiresAtUtcTicks),
                    }, work);
                }
                else
                {
                    // This read counts towards promotion: the next read from level 2 may promote it.
                    InsertLevel2Locked(new CacheEntry(key, stored.Data, stored.OriginalLength, stored.Compressed, stored.ExpiresAtUtcTicks, stored.Tags) { Reads = 1 }, work);
                }
            }
        }

        Debug.Assert(work.IsEmpty, "shared mode queues no level 3 calls under the lock");
        return value;
    }

    private bool MatchesPendingPrefixLocked(string key)
    {
        foreach (string prefix in _unremovedPrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private bool HasPendingTagLocked(string[]? tags)
    {
        if (tags is null || _unremovedTags.Count == 0)
        {
            return false;
        }

        foreach (string tag in tags)
        {
            if (_unremovedTags.Contains(tag))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Tag, prefix and clear in shared mode: this process's levels 1 and 2, Redis, then the backplane.</summary>
    private async ValueTask<int> RemoveSharedWhereAsync(char kind, string subject, Func<CacheEntry, bool> match, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        lock (_sync)
        {
            ThrowIfDisposed();
            AddKeys(keys, _level1Policy.Lists, match);
            AddKeys(keys, _level2Order, match);
            var work = new Level3Work();
            foreach (string key in keys)
            {
                RemoveEverywhereLocked(key, work);
            }

            _removalEpoch++;
            Debug.Assert(work.IsEmpty, "shared mode queues no level 3 calls under the lock");
        }

        IEnumerable<string>? remote = await RemoveSharedGroupAsync(kind, subject).ConfigureAwait(false);
        if (remote is not null)
        {
            keys.UnionWith(remote);
        }

        await PublishAsync(kind, subject).ConfigureAwait(false);
        return keys.Count;
    }

    /// <summary>The Redis part of a tag, prefix or clear removal; null (and left pending) when it failed.</summary>
    private async ValueTask<IEnumerable<string>?> RemoveSharedGroupAsync(char kind, string subject)
    {
        IEnumerable<string>? removed = null;
        bool done = Level3Available && kind switch
        {
            'T' => await TryLevel3Async("remove-tag", async () => removed = await _shared!.RemoveByTagAsync(subject).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false),

            // Each SCAN page and its deletes within Level3Timeout; the scan as a whole has no bound.
            _ => await TryLevel3Async(
                kind == 'C' ? "clear" : "remove-prefix",
                async () => removed = await _shared!.RemoveByPrefixAsync(kind == 'C' ? string.Empty : subject, page => page().WaitAsync(_options.Level3Timeout, _time)).ConfigureAwait(false),
                CancellationToken.None,
                Timeout.InfiniteTimeSpan).ConfigureAwait(false),
        };
        lock (_sync)
        {
            SetPendingLocked(kind, subject, pending: !done);
        }

        return done ? removed : null;
    }

    private void SetPendingLocked(char kind, string subject, bool pending)
    {
        switch (kind)
        {
            case 'S' or 'R':
                if (pending)
                {
                    MarkUnremovedLocked(subject);
                }
                else
                {
                    _unremoved.Remove(subject);
                }

                break;
            case 'T':
                _ = pending ? _unremovedTags.Add(subject) : _unremovedTags.Remove(subject);
                break;
            case 'P':
                _ = pending ? _unremovedPrefixes.Add(subject) : _unremovedPrefixes.Remove(subject);
                break;
            default:
                _clearPending = pending;
                break;
        }

        if (pending && kind is not ('S' or 'R'))
        {
            ArmRetry(); // keys are armed by MarkUnremovedLocked
        }
    }

    /// <summary>Tells the other instances; when that cannot be done, the change stays pending (deleted from Redis and published again later).</summary>
    private async ValueTask PublishAsync(char kind, string subject)
    {
        if (_backplane is null)
        {
            return;
        }

        bool published = Level3Available
            && await TryLevel3Async("publish", () => _backplane.PublishAsync(_instanceId, kind, subject), CancellationToken.None).ConfigureAwait(false);
        if (published)
        {
            Interlocked.Increment(ref _backplanePublished);
        }
        else
        {
            lock (_sync)
            {
                SetPendingLocked(kind, subject, pending: true);
            }
        }
    }

    /// <summary>
    /// Shared mode: after a failed call, and whenever an invalidation becomes pending, a timer
    /// retries with no traffic needed. A Redis call that timed out leaves the connection up, so no
    /// <c>ConnectionRestored</c> event comes; and an invalidation can become pending just after
    /// another call closed the circuit and replayed. Without the timer such an invalidation would
    /// wait (and other instances would keep serving what it removed) until this instance happened
    /// to call Redis again. When the timer fires: an open circuit is probed at its retry time (a
    /// probe that succeeds closes it and replays), a closed one replays at once; a failure arms the
    /// timer again. An earlier due time wins over a later one.
    /// </summary>
    /// <param name="due">How long from now; <see cref="Level3RetryDelay"/> (the retry time a failure sets) when null.</param>
    private void ArmRetry(TimeSpan? due = null)
    {
        if (_shared is null || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        TimeSpan delay = due ?? Level3RetryDelay;
        long at = NowTicks() + delay.Ticks;
        lock (_retrySync)
        {
            if (_retryDueTicks != 0 && _retryDueTicks <= at)
            {
                return;
            }

            _retryTimer ??= _time.CreateTimer(static state => ((TieredCache)state!).OnRetryDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            try
            {
                _retryTimer.Change(delay, Timeout.InfiniteTimeSpan);
                _retryDueTicks = at;
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile: nothing to retry.
            }
        }
    }

    private void OnRetryDue()
    {
        lock (_retrySync)
        {
            _retryDueTicks = 0;
        }

        _ = RetryWhenDueAsync();
    }

    private async Task RetryWhenDueAsync()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            if (Volatile.Read(ref _level3CircuitOpen) == 1)
            {
                await ProbeLevel3Async(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await ReplayPendingAsync().ConfigureAwait(false);
            }

            if (_backplane is not null && Volatile.Read(ref _subscribed) == 0 && Volatile.Read(ref _level3CircuitOpen) == 0)
            {
                // A subscription that failed (at start, over Level3Timeout on a loaded machine) while the
                // connection stayed up gets no ConnectionRestored: it is made here, or its failure arms
                // the next retry.
                Task subscribing = SubscribeBackplaneAsync();
                Volatile.Write(ref _backplaneReady, subscribing);
                await subscribing.ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is ObjectDisposedException or RedisException)
        {
            // Disposed meanwhile, or a failure the calls did not count: tried again below.
        }

        if (Volatile.Read(ref _disposed) == 0 && Volatile.Read(ref _level3CircuitOpen) == 1)
        {
            // Still open: the probe failed (its failure set a new retry time), or it did not run
            // (the timer fired before the retry time, or raced another call). Probe at the retry time.
            long remaining = Volatile.Read(ref _level3RetryAtTicks) - NowTicks();
            ArmRetry(TimeSpan.FromTicks(Math.Clamp(remaining, TimeSpan.TicksPerMillisecond, Level3RetryDelay.Ticks)));
        }
    }

    /// <summary>
    /// Once level 3 answers again: every pending invalidation is deleted from Redis and published
    /// again, in the order clear, prefixes, tags, keys; a pass stops at the first failure (the next
    /// recovery or probe resumes). One replay at a time: asked for while one runs, it runs another
    /// pass after it, so an invalidation that became pending during a pass is not left behind.
    /// </summary>
    private async Task ReplayPendingAsync()
    {
        if (_shared is null)
        {
            return;
        }

        Volatile.Write(ref _replayRequested, 1);
        while (Volatile.Read(ref _replayRequested) == 1 && Interlocked.Exchange(ref _replaying, 1) == 0)
        {
            try
            {
                while (Interlocked.Exchange(ref _replayRequested, 0) == 1 && Volatile.Read(ref _disposed) == 0)
                {
                    await ReplayPassAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                Volatile.Write(ref _replaying, 0);
            }

            // A request that came after the last check and before the release is run here.
        }
    }

    private async Task ReplayPassAsync()
    {
        try
        {
            bool clear;
            string[] prefixes, tags, keys;
            lock (_sync)
            {
                clear = _clearPending;
                prefixes = [.. _unremovedPrefixes];
                tags = [.. _unremovedTags];
                keys = [.. _unremoved];
            }

            if (clear && !await ReplayGroupAsync('C', string.Empty).ConfigureAwait(false))
            {
                return;
            }

            foreach (string prefix in prefixes)
            {
                if (!await ReplayGroupAsync('P', prefix).ConfigureAwait(false))
                {
                    return;
                }
            }

            foreach (string tag in tags)
            {
                if (!await ReplayGroupAsync('T', tag).ConfigureAwait(false))
                {
                    return;
                }
            }

            foreach (string key in keys)
            {
                if (Volatile.Read(ref _disposed) != 0 || !Level3Available)
                {
                    return;
                }

                SemaphoreSlim gate = GateFor(key);
                await gate.WaitAsync().ConfigureAwait(false);
                try
                {
                    bool stillPending;
                    lock (_sync)
                    {
                        stillPending = _unremoved.Contains(key);
                    }

                    if (!stillPending)
                    {
                        continue;
                    }

                    await RemoveSharedGatedAsync(key).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }

                await PublishAsync('R', key).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Best effort in the background: whatever is left stays pending for the next recovery.
            Debug.Assert(exception is ObjectDisposedException, $"replay failed unexpectedly: {exception}");
        }
    }

    private async ValueTask<bool> ReplayGroupAsync(char kind, string subject)
    {
        if (Volatile.Read(ref _disposed) != 0 || !Level3Available || await RemoveSharedGroupAsync(kind, subject).ConfigureAwait(false) is null)
        {
            return false;
        }

        await PublishAsync(kind, subject).ConfigureAwait(false);
        return true;
    }
}
