using System.Collections.Concurrent;
using CortexHybrid.Caching.Policies;
using CortexHybrid.Concurrency;
using Microsoft.Extensions.Caching.Distributed;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CortexHybrid.Caching;

/// <summary>
/// A three-level cache of byte values: level 1 holds hot values as they are (on
/// <see cref="MemoryCache"/>), level 2 warm ones compressed in process, level 3 cold ones in an
/// <see cref="IDistributedCache"/> (in memory by default, Redis or any other when given). Writes
/// enter level 1; each level pushes an entry down when full (level 1 the one its
/// <see cref="TieredCacheOptions.Level1Policy"/> evicts or refuses at admission, level 2 its least
/// recently used); reads in a
/// lower level move an entry back up after <see cref="TieredCacheOptions.PromotionThreshold"/>
/// reads.
/// </summary>
/// <remarks>
/// <para>
/// A level 1 hit takes no lock and allocates nothing. Moves between levels happen under one lock
/// (a move compresses or decompresses one value: microseconds for kilobyte values); calls to
/// level 3 happen outside it, ordered per key.
/// </para>
/// <para>
/// Arrays returned by the cache are shared with it and with other callers: treat them as
/// read-only. <see cref="SetAsync"/> copies the value it is given.
/// </para>
/// <para>
/// Expired entries are never returned; an expired entry is dropped when it is read or reaches the
/// end of its level. Level 3 failures never fail a call: they are counted in
/// <see cref="CacheStatistics.Level3Errors"/>, level 3 is skipped for
/// <see cref="Level3RetryDelay"/>, and keys whose removal from level 3 failed are not read from it
/// until the removal has been retried successfully.
/// </para>
/// <para>
/// In <see cref="Level3Mode.Overflow"/> (the default), tag, prefix and <see cref="ClearAsync"/>
/// invalidation reach every key this cache placed in level 3 (it keeps their names, up to
/// <see cref="TieredCacheOptions.L3Capacity"/>); keys other processes wrote to a shared level 3 are
/// reached only by <see cref="RemoveAsync"/>.
/// </para>
/// <para>
/// In <see cref="Level3Mode.Shared"/> (the constructor that takes a <see cref="RedisSharedLevel3"/>),
/// level 3 is Redis written through and shared by every instance: a write goes to level 1 and to
/// Redis (the entry's time to live as its expiry), a read goes L1 ► L2 ► L3 and leaves Redis as it
/// is, and tag, prefix and clear invalidation reach every instance's keys in Redis. With a
/// <see cref="RedisBackplane"/>, each change is published and every other instance drops its
/// level 1/2 copy. <b>The outage rule</b>: when a Redis connection of the cache is restored, the
/// cache assumes it missed messages and drops levels 1 and 2 entirely before serving again
/// (counted in <see cref="CacheStatistics.Reconnects"/>); its own changes whose Redis call or
/// publication failed are not read from Redis meanwhile and are deleted and published again once
/// Redis answers.
/// </para>
/// <para>
/// Metrics on the meter <c>CortexHybrid</c>, tagged <c>cortex.cache.name</c>:
/// <c>cortex.cache.requests</c> (by <c>level</c> and <c>result</c>), <c>cortex.cache.entries</c>
/// (by <c>level</c>), <c>cortex.cache.size</c> (bytes), <c>cortex.cache.promotions</c>,
/// <c>cortex.cache.demotions</c>, <c>cortex.cache.evictions</c>, <c>cortex.cache.expirations</c>
/// and <c>cortex.cache.level3.errors</c>.
/// </para>
/// </remarks>
public sealed partial class TieredCache : IDisposable
{
    /// <summary>The longest key accepted, in characters.</summary>
    public const int MaxKeyLength = 1024;

    /// <summary>How long before its expiry a level 1 hit stops trusting the coarse clock.</summary>
    private static readonly TimeSpan CoarseMargin = TimeSpan.FromMilliseconds(50);

    /// <summary>How long level 3 is skipped after a call to it fails.</summary>
    public static readonly TimeSpan Level3RetryDelay = TimeSpan.FromSeconds(1);

    private readonly TieredCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly bool _systemClock;
    /// <summary>Level 1's entries by key: written under <see cref="_sync"/>, read without a lock on the hit path.</summary>
    private readonly ConcurrentDictionary<string, CacheEntry> _level1 = new();
    private readonly Level1Policy _level1Policy;
    private readonly Dictionary<string, CacheEntry> _level2 = new(StringComparer.Ordinal);
    private readonly RecencyList _level2Order = new();
    private readonly Lock _sync = new();
    private readonly StripedCounter _level1Hits = new();
    private readonly StripedCounter _level2Hits = new();
    private readonly StripedCounter _level3Hits = new();
    private readonly StripedCounter _misses = new();
    private readonly CacheMetrics _metrics;
    private readonly ILogger _logger;

    private long _promotions;
    private long _demotions;
    private long _evictions;
    private long _expirations;
    private long _rejections;
    private long _refreshes;
    private long _refreshFailures;
    private int _disposed;

    /// <summary>Creates a cache.</summary>
    /// <param name="options">Capacities and behaviour; copied, so later changes to it do nothing.</param>
    /// <param name="level3">
    /// Level 3; null for an in-process <see cref="MemoryDistributedCache"/> (no level 3 at all when
    /// <see cref="TieredCacheOptions.L3Capacity"/> is 0). Not disposed by the cache.
    /// </param>
    /// <param name="timeProvider">The clock for expiry and level 3 retry delays; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where level 3 failures and the level 3 circuit opening and closing are logged; null for none.</param>
    /// <param name="meterFactory">Creates the meter the cache's instruments are on; null for a meter of the cache's own.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException"><see cref="TieredCacheOptions.Level3Mode"/> is <see cref="Level3Mode.Shared"/>: that takes the other constructor.</exception>
    public TieredCache(
        TieredCacheOptions options,
        IDistributedCache? level3 = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        IMeterFactory? meterFactory = null)
        : this(options, level3, shared: null, backplane: null, timeProvider, logger, meterFactory)
    {
    }

    /// <summary>Creates a cache whose level 3 is shared by every instance (<see cref="Level3Mode.Shared"/>).</summary>
    /// <param name="options">Capacities and behaviour, with <see cref="TieredCacheOptions.Level3Mode"/> <see cref="Level3Mode.Shared"/>; copied.</param>
    /// <param name="sharedLevel3">Level 3, for this cache's <see cref="TieredCacheOptions.Name"/>. Its connection is not disposed by the cache.</param>
    /// <param name="backplane">Tells other instances what this one changed and hears what they did; null for none (other instances' levels 1 and 2 then serve a changed value until it expires).</param>
    /// <param name="timeProvider">The clock for expiry and level 3 retry delays; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where level 3 failures, the circuit and reconnections are logged; null for none.</param>
    /// <param name="meterFactory">Creates the meter the cache's instruments are on; null for a meter of the cache's own.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="sharedLevel3"/> is null.</exception>
    /// <exception cref="ArgumentException">The mode is not <see cref="Level3Mode.Shared"/>, or the level 3 or backplane is for another cache name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public TieredCache(
        TieredCacheOptions options,
        RedisSharedLevel3 sharedLevel3,
        RedisBackplane? backplane,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        IMeterFactory? meterFactory = null)
        : this(options, level3: null, sharedLevel3 ?? throw new ArgumentNullException(nameof(sharedLevel3)), backplane, timeProvider, logger, meterFactory)
    {
    }

    private TieredCache(
        TieredCacheOptions options,
        IDistributedCache? level3,
        RedisSharedLevel3? shared,
        RedisBackplane? backplane,
        TimeProvider? timeProvider,
        ILogger? logger,
        IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validated();
        if ((_options.Level3Mode == Level3Mode.Shared) != (shared is not null))
        {
            throw new ArgumentException(
                shared is null
                    ? "TieredCacheOptions.Level3Mode is Shared: create the cache with a RedisSharedLevel3 (or set Level3Mode to Overflow)."
                    : "A RedisSharedLevel3 needs TieredCacheOptions.Level3Mode = Shared.",
                nameof(options));
        }

        if (shared is not null && !string.Equals(shared.CacheName, _options.Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The RedisSharedLevel3 is for cache '{shared.CacheName}', this cache is '{_options.Name}' (TieredCacheOptions.Name).", nameof(shared));
        }

        if (backplane is not null && !string.Equals(backplane.CacheName, _options.Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The RedisBackplane is for cache '{backplane.CacheName}', this cache is '{_options.Name}' (TieredCacheOptions.Name).", nameof(backplane));
        }

        _level1Policy = Level1Policy.Create(_options.Level1Policy, _options.L1Capacity, _options.L1MaxBytes);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _systemClock = ReferenceEquals(_time, TimeProvider.System);

        if (shared is not null)
        {
            _shared = shared;
            _backplane = backplane;
            _onBackplaneMessage = OnBackplaneMessage;
            _onConnectionRestored = OnConnectionRestored;
        }
        else if (_options.L3Capacity > 0)
        {
            _level3 = level3 ?? new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new TimeProviderClock(_time) }));
        }

        _metrics = new CacheMetrics(_options.Name, GetStatistics, meterFactory);
        if (_shared is not null)
        {
            AttachShared();
        }
    }

    /// <summary>The cache's <see cref="TieredCacheOptions.Name"/>: its <c>cortex.cache.name</c> tag and its name in reports and logs.</summary>
    public string Name => _options.Name;

    /// <summary>The value stored under <paramref name="key"/>, or null when no level holds it (or it expired).</summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyLength"/> characters.</param>
    /// <param name="cancellationToken">Cancels a level 3 read.</param>
    /// <returns>The value, shared with the cache (do not modify it), or null.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or too long.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (TryGetFromLevel1(key, out CacheEntry? entry))
        {
            _level1Hits.Increment();
            return new ValueTask<byte[]?>(entry.Data);
        }

        return GetBelowLevel1Async(key, cancellationToken);
    }

    /// <summary>
    /// Stores a copy of <paramref name="value"/> in level 1, replacing any value under
    /// <paramref name="key"/> at every level, and moves what no longer fits down a level.
    /// </summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyLength"/> characters.</param>
    /// <param name="value">The value; at most <see cref="TieredCacheOptions.MaxEntrySizeBytes"/> bytes.</param>
    /// <param name="options">Time to live and tags; null for the defaults.</param>
    /// <param name="cancellationToken">Checked before the write; level 3 work the write started is finished regardless.</param>
    /// <returns>A task that completes when the value and anything it displaced are stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException">The key is invalid, the value is over the size limit, or a tag is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CacheEntryOptions.Ttl"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ThrowIfDisposed();
        if (value.Length > _options.MaxEntrySizeBytes)
        {
            throw new ArgumentException(
                $"The value is {value.Length:N0} bytes; this cache takes at most {_options.MaxEntrySizeBytes:N0} (TieredCacheOptions.MaxEntrySizeBytes).",
                nameof(value));
        }

        CacheEntry entry = NewEntry(key, value.ToArray(), options);
        cancellationToken.ThrowIfCancellationRequested();
        ValueTask<bool> stored = Store(entry);
        return stored.IsCompletedSuccessfully ? default : new ValueTask(stored.AsTask());
    }

    /// <summary>
    /// Removes <paramref name="key"/> from every level, level 3 included (even a key another process
    /// wrote there); in shared mode the removal is also published on the backplane.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Checked before the removal.</param>
    /// <returns>True when this process held the key (at any level, or knew it to be in level 3).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or too long.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public async ValueTask<bool> RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (_shared is not null)
        {
            return await RemoveSharedAsync(key).ConfigureAwait(false);
        }

        var work = new Level3Work();
        bool found;
        lock (_sync)
        {
            found = RemoveEverywhereLocked(key, work);
        }

        // Level 3 may hold the key even when this process never put it there.
        if (_level3 is not null && !work.RemovesKey(key))
        {
            work.Remove(key);
        }

        await RunAsync(work).ConfigureAwait(false);
        return found;
    }

    /// <summary>A snapshot of the cache's figures.</summary>
    /// <returns>Counts, sizes and rates; <c>L1Hits + L2Hits + L3Hits + Misses == Requests</c> always.</returns>
    public CacheStatistics GetStatistics()
    {
        int l1, l2, l3;
        long size, original, stored;
        lock (_sync)
        {
            l1 = _level1Policy.Count;
            l2 = _level2Order.Count;
            l3 = _level3Order.Count;
            size = _level1Policy.StoredBytes + _level2Order.StoredBytes;
            original = _level2Order.OriginalBytes;
            stored = _level2Order.StoredBytes;
        }

        return new CacheStatistics
        {
            L1Hits = _level1Hits.Sum(),
            L2Hits = _level2Hits.Sum(),
            L3Hits = _level3Hits.Sum(),
            Misses = _misses.Sum(),
            Promotions = Volatile.Read(ref _promotions),
            Demotions = Volatile.Read(ref _demotions),
            Evictions = Volatile.Read(ref _evictions),
            Expirations = Volatile.Read(ref _expirations),
            L1Count = l1,
            L2Count = l2,
            L3Count = l3,
            SizeBytes = size,
            CompressionRatio = stored == 0 ? 1.0 : (double)original / stored,
            Level3Errors = Volatile.Read(ref _level3Errors),
            Level3CircuitOpen = Volatile.Read(ref _level3CircuitOpen) == 1,
            Rejections = Volatile.Read(ref _rejections),
            Refreshes = Volatile.Read(ref _refreshes),
            RefreshFailures = Volatile.Read(ref _refreshFailures),
            BackplanePublished = Volatile.Read(ref _backplanePublished),
            BackplaneReceived = Volatile.Read(ref _backplaneReceived),
            Reconnects = Volatile.Read(ref _reconnects),
        };
    }

    /// <summary>Bytes level 1 holds now (its byte budget bounds them), for tests.</summary>
    internal long Level1StoredBytes
    {
        get
        {
            lock (_sync)
            {
                return _level1Policy.StoredBytes;
            }
        }
    }

    /// <summary>Drops levels 1 and 2, stops publishing metrics and leaves the backplane. Level 3 (and what it holds) is left as it is.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _metrics.Dispose();
        DetachShared();
        lock (_sync)
        {
            _level1.Clear();
            _level1Policy.Clear();
            Array.Clear(_reads);
            _level2.Clear();
            _level2Order.Clear();
        }
    }

    private long NowTicks() => _time.GetUtcNow().UtcTicks;

    private bool TryGetFromLevel1(string key, [NotNullWhen(true)] out CacheEntry? entry)
    {
        if (_level1.TryGetValue(key, out CacheEntry? fresh) && IsFresh(fresh))
        {
            RecordRead(fresh);
            entry = fresh;
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>
    /// Whether a level 1 entry is within its time to live. On the system clock a coarse monotonic
    /// clock (<see cref="Environment.TickCount64"/>: about 5 ns here, against about 30 ns for
    /// <see cref="TimeProvider.GetUtcNow"/>) answers until <see cref="CoarseMargin"/> before expiry;
    /// after that, and on any other <see cref="TimeProvider"/>, the precise clock does.
    /// </summary>
    private bool IsFresh(CacheEntry entry) =>
        Environment.TickCount64 < entry.FreshUntilTickCount || !entry.IsExpiredAt(NowTicks());

    /// <summary>
    /// The coarse clock's deadline for an entry expiring at <paramref name="expiresAtUtcTicks"/>:
    /// <see cref="CoarseMargin"/> early, which covers the coarse clock's resolution (a few
    /// milliseconds) at both ends.
    /// </summary>
    private long FreshUntil(long expiresAtUtcTicks)
    {
        if (!_systemClock)
        {
            return long.MinValue;
        }

        long remaining = ((expiresAtUtcTicks - NowTicks()) / TimeSpan.TicksPerMillisecond) - (long)CoarseMargin.TotalMilliseconds;
        return remaining <= 0 ? long.MinValue : Environment.TickCount64 + remaining;
    }

    private CacheEntry NewEntry(string key, byte[] value, CacheEntryOptions? options)
    {
        ValidateEntryOptions(options);
        TimeSpan ttl = options?.Ttl ?? _options.DefaultTtl;
        string[]? tags = ValidTags(options?.Tags);
        long now = NowTicks();
        long expires = ttl.Ticks >= DateTime.MaxValue.Ticks - now ? DateTime.MaxValue.Ticks : now + ttl.Ticks;
        return new CacheEntry(key, value, value.Length, compressed: false, expires, tags)
        {
            FreshUntilTickCount = FreshUntil(expires),
        };
    }

    /// <summary>The checks <see cref="NewEntry"/> makes, without making an entry (the hit path of get-or-create must not allocate).</summary>
    private static void ValidateEntryOptions(CacheEntryOptions? options)
    {
        if (options is null)
        {
            return;
        }

        if (options.Ttl is TimeSpan given && given <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), given, "CacheEntryOptions.Ttl must be positive.");
        }

        if (options.RefreshAhead is double fraction && !(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), fraction, "CacheEntryOptions.RefreshAhead must be above 0 and below 1, or null for none.");
        }

        if (options.Tags is { Count: > 0 } tags)
        {
            for (int i = 0; i < tags.Count; i++)
            {
                if (string.IsNullOrEmpty(tags[i]) || tags[i].Length > MaxKeyLength)
                {
                    throw new ArgumentException($"Tag {i} is null, empty or longer than {MaxKeyLength} characters.", nameof(options));
                }
            }
        }
    }

    private static string[]? ValidTags(IReadOnlyList<string>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return null;
        }

        string[] copy = new string[tags.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            string tag = tags[i];
            if (string.IsNullOrEmpty(tag) || tag.Length > MaxKeyLength)
            {
                throw new ArgumentException($"Tag {i} is null, empty or longer than {MaxKeyLength} characters.", nameof(tags));
            }

            copy[i] = tag;
        }

        return copy;
    }

    private static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            throw new ArgumentException("A cache key must not be empty.", nameof(key));
        }

        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"A cache key is at most {MaxKeyLength} characters; this one has {key.Length:N0}.", nameof(key));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
