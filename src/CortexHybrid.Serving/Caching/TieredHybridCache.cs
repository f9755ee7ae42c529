using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace CortexHybrid.Caching;

/// <summary>
/// Microsoft's <see cref="HybridCache"/> abstraction over a <see cref="TieredCache"/>: an app that
/// calls <c>GetOrCreateAsync</c>, <c>SetAsync</c>, <c>RemoveAsync</c> and <c>RemoveByTagAsync</c> on
/// <see cref="HybridCache"/>, with its own serializers, gets the three levels, stampede protection,
/// tags and statistics of <see cref="TieredCache"/> without changing those calls.
/// </summary>
/// <remarks>
/// <para>
/// <b>Serializers</b>, resolved once per type and kept: an <see cref="IHybridCacheSerializer{T}"/>
/// registered in the service provider; else, for <see cref="string"/> (UTF-8) and
/// <see cref="byte"/>[] (as it is), the built-ins; else the first registered
/// <see cref="IHybridCacheSerializerFactory"/> that accepts the type, the last registered asked
/// first; else System.Text.Json with <see cref="TieredHybridCacheOptions.JsonSerializerOptions"/>.
/// That is the order Microsoft's implementation ends up with: <c>AddHybridCache</c> registers its
/// string and byte[] serializers as services (so no factory sees those types) and its JSON factory
/// first (so it is asked last), and it asks factories in reverse order of registration.
/// </para>
/// <para>
/// <b>Sharing</b>, as the <see cref="HybridCache"/> contract has it: a mutable value is never shared
/// between callers (each hit deserializes afresh; a <see cref="byte"/>[] hit is a copy). An
/// immutable one is: its first level 1 hit keeps the decoded value on the entry and later hits return
/// that same instance without deserializing. Immutable means exactly what it means to Microsoft's
/// implementation: <see cref="string"/>, value types holding no references, and value types and sealed
/// classes marked <c>[ImmutableObject(true)]</c>.
/// </para>
/// <para>
/// <b>Expiration</b>: <see cref="HybridCacheEntryOptions.Expiration"/>, else that of
/// <see cref="TieredHybridCacheOptions.DefaultEntryOptions"/>, else <see cref="TieredCacheOptions.DefaultTtl"/>,
/// is the entry's time to live at every level. <see cref="HybridCacheEntryOptions.LocalCacheExpiration"/>
/// is not honoured separately: the levels are exclusive (an entry lives at one level at a time) and
/// an entry has one time to live.
/// </para>
/// <para>
/// <b>Flags</b> (<see cref="HybridCacheEntryOptions.Flags"/>, else those of the default entry
/// options) map conservatively onto one cache whose levels are not read or written separately, so
/// that nothing is read or written that a caller asked not to be:
/// <see cref="HybridCacheEntryFlags.DisableLocalCacheRead"/> or
/// <see cref="HybridCacheEntryFlags.DisableDistributedCacheRead"/>: the cache is not read at all
/// (the factory runs; no stampede protection, and no request is counted in the statistics).
/// <see cref="HybridCacheEntryFlags.DisableLocalCacheWrite"/> or
/// <see cref="HybridCacheEntryFlags.DisableDistributedCacheWrite"/>: nothing is stored (a factory
/// result is returned only; no stampede protection; <c>SetAsync</c> removes the old value instead, so
/// that it is not served).
/// <see cref="HybridCacheEntryFlags.DisableUnderlyingData"/>: the factory never runs; a miss returns
/// <see langword="default"/>.
/// <see cref="HybridCacheEntryFlags.DisableCompression"/> changes nothing per entry: level 1 never
/// compresses, and whether values moving to levels 2 and 3 are compressed is the cache's
/// <see cref="TieredCacheOptions.EnableCompression"/> (set it false to never compress).
/// </para>
/// <para>
/// <b>Tags</b>: given to an entry they must not be null, white space or <c>"*"</c> (as Microsoft's, which
/// reserves <c>"*"</c>); they are checked when a value is created or stored, not on a hit.
/// <c>RemoveByTagAsync("*")</c> removes everything, entries with no tags included, as Microsoft's
/// does: it is <see cref="TieredCache.ClearAsync"/>, which reaches levels 1 and 2 and the keys this
/// cache placed in level 3. A null or white-space tag removes nothing.
/// </para>
/// <para>
/// <b>Errors</b>: cached bytes the type's serializer cannot read (another type's, or an older shape
/// of this one) count as a miss, as in Microsoft's: they are removed and the factory runs. A key the cache rejects (null, empty, over <see cref="TieredCache.MaxKeyLength"/>
/// characters) throws <see cref="ArgumentException"/> from every keyed call, where Microsoft's would
/// skip the cache; a factory that throws fails every caller waiting for it and stores nothing. A null
/// <see cref="string"/> or <see cref="byte"/>[] cannot be cached: creating or setting one throws
/// <see cref="ArgumentNullException"/>, as Microsoft's built-in serializers do.
/// </para>
/// <para>
/// Hits, misses and everything else are counted in the underlying cache's
/// <see cref="TieredCache.GetStatistics"/>. The adapter does not own the cache: dispose the
/// <see cref="TieredCache"/> when done with both.
/// </para>
/// </remarks>
public sealed class TieredHybridCache : HybridCache
{
    private const HybridCacheEntryFlags ReadFlags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableDistributedCacheRead;
    private const HybridCacheEntryFlags WriteFlags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite;
    private const string WildcardTag = "*";

    private readonly TieredCache _cache;
    private readonly IServiceProvider? _services;
    private readonly IHybridCacheSerializerFactory[] _factories;
    private readonly JsonSerializerOptions? _json;
    private readonly HybridCacheEntryFlags _defaultFlags;
    private readonly TimeSpan? _defaultExpiration;

    /// <summary>Entry options for the default time to live and no tags; null when the cache's own default applies.</summary>
    private readonly CacheEntryOptions? _defaultEntryOptions;

    private readonly Lock _codecsLock = new();

    /// <summary>
    /// The codec of each type used so far, at <see cref="HybridTypeSlot{T}.Index"/>; replaced (grown)
    /// under <see cref="_codecsLock"/>, read without a lock.
    /// </summary>
    private object?[] _codecs = new object?[8];

    /// <summary>Creates the adapter.</summary>
    /// <param name="cache">The cache that holds the values (not disposed by the adapter).</param>
    /// <param name="options">Defaults for calls that leave something out; read once, so later changes do nothing. Null for none.</param>
    /// <param name="services">
    /// Where to find the app's <see cref="IHybridCacheSerializer{T}"/> and
    /// <see cref="IHybridCacheSerializerFactory"/> registrations (factories are read once, here); null
    /// for the built-in serializers only.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The default entry options' <see cref="HybridCacheEntryOptions.Expiration"/> is not positive.</exception>
    public TieredHybridCache(TieredCache cache, TieredHybridCacheOptions? options = null, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _services = services;

        // Asked last registered first (Microsoft's order): reversed once, then the first match wins.
        IHybridCacheSerializerFactory[] factories = services is null ? [] : [.. services.GetServices<IHybridCacheSerializerFactory>()];
        Array.Reverse(factories);
        _factories = factories;

        HybridCacheEntryOptions? defaults = options?.DefaultEntryOptions;
        _defaultFlags = defaults?.Flags ?? HybridCacheEntryFlags.None;
        if (defaults?.Expiration is TimeSpan ttl)
        {
            if (ttl <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(options), ttl, "TieredHybridCacheOptions.DefaultEntryOptions.Expiration must be positive.");
            }

            _defaultExpiration = ttl;
            _defaultEntryOptions = new CacheEntryOptions { Ttl = ttl };
        }

        _json = options?.JsonSerializerOptions;
    }

    /// <summary>The cache underneath (its statistics count the adapter's calls).</summary>
    public TieredCache Cache => _cache;

    /// <summary>
    /// The value under <paramref name="key"/>; when no level holds it, the result of
    /// <paramref name="factory"/>, stored and returned. Concurrent callers for one key share one
    /// factory run. A level 1 hit completes synchronously.
    /// </summary>
    /// <typeparam name="TState">The type of <paramref name="state"/>.</typeparam>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key: 1 to <see cref="TieredCache.MaxKeyLength"/> characters.</param>
    /// <param name="state">Passed to <paramref name="factory"/>.</param>
    /// <param name="factory">Makes the value. Its token is cancelled only when every caller waiting for it has cancelled.</param>
    /// <param name="options">Expiration and flags; null for <see cref="TieredHybridCacheOptions.DefaultEntryOptions"/>. See the class remarks for the flags.</param>
    /// <param name="tags">Tags for a created value; null for none.</param>
    /// <param name="cancellationToken">Stops this caller's wait; the factory goes on for the others.</param>
    /// <returns>
    /// The value: for a mutable type this caller's own object (the factory's, or a fresh
    /// deserialization); for an immutable one possibly shared. <see langword="default"/> on a miss with
    /// <see cref="HybridCacheEntryFlags.DisableUnderlyingData"/>.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="factory"/> is null, or the value is a null string or byte[] to be stored.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or too long, or a tag is null, white space or <c>"*"</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The expiration is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public override ValueTask<T> GetOrCreateAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (state is null && typeof(TState) == typeof(Func<CancellationToken, ValueTask<T>>) && ReferenceEquals(factory, HybridCacheWrapper<T>.Instance))
        {
            // The stateless overload passes the caller's factory as the state.
            throw new ArgumentNullException(nameof(factory));
        }

        cancellationToken.ThrowIfCancellationRequested();
        HybridCacheEntryFlags flags = options?.Flags ?? _defaultFlags;
        if ((flags & ReadFlags) == 0)
        {
            if (_cache.TryGetLevel1Hit(key, out CacheEntry? entry))
            {
                if (GetCodec<T>().TryDecode(entry!, out T value))
                {
                    return new ValueTask<T>(value);
                }

                // Bytes this type cannot read: a miss, once they are gone.
                return GetOrCreateBelowLevel1Async(key, state, factory, flags, options, tags, undecodable: true, cancellationToken);
            }
        }
        else
        {
            _cache.ValidateKeyAndState(key);
        }

        return GetOrCreateBelowLevel1Async(key, state, factory, flags, options, tags, undecodable: false, cancellationToken);
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>, replacing any value at every level.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key: 1 to <see cref="TieredCache.MaxKeyLength"/> characters.</param>
    /// <param name="value">The value; serialized now, so later changes to it do not reach the cache.</param>
    /// <param name="options">
    /// Expiration and flags; null for the defaults. With a write flag
    /// (<see cref="HybridCacheEntryFlags.DisableLocalCacheWrite"/> or <see cref="HybridCacheEntryFlags.DisableDistributedCacheWrite"/>)
    /// nothing is stored and the key is removed, so that an older value is not served.
    /// </param>
    /// <param name="tags">Tags for the entry; null for none.</param>
    /// <param name="cancellationToken">Checked before the write.</param>
    /// <returns>A task that completes when the value is stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null, or <paramref name="value"/> is a null string or byte[].</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="key"/> is empty or too long, a tag is null, white space or <c>"*"</c>, or the
    /// serialized value is over <see cref="TieredCacheOptions.MaxEntrySizeBytes"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The expiration is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public override ValueTask SetAsync<T>(
        string key,
        T value,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        HybridCacheEntryFlags flags = options?.Flags ?? _defaultFlags;
        if ((flags & WriteFlags) != 0)
        {
            return Discard(_cache.RemoveAsync(key, cancellationToken));
        }

        _cache.ValidateKeyAndState(key);
        CacheEntryOptions? entryOptions = ToEntryOptions(options, tags);
        return _cache.SetAsync(key, GetCodec<T>().Serialize(value), entryOptions, cancellationToken);
    }

    /// <summary>Removes <paramref name="key"/> from every level (<see cref="TieredCache.RemoveAsync"/>).</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Checked before the removal.</param>
    /// <returns>A task that completes when the key is removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or too long.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) =>
        Discard(_cache.RemoveAsync(key, cancellationToken));

    /// <summary>Removes each of <paramref name="keys"/> from every level, in order.</summary>
    /// <param name="keys">The keys; null for none.</param>
    /// <param name="cancellationToken">Checked before each removal.</param>
    /// <returns>A task that completes when every key is removed.</returns>
    /// <exception cref="ArgumentNullException">A key is null.</exception>
    /// <exception cref="ArgumentException">A key is empty or too long (the keys before it are removed).</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public override ValueTask RemoveAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        return keys is null ? default : RemoveEachAsync(keys, cancellationToken);

        async ValueTask RemoveEachAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
        {
            foreach (string key in keys)
            {
                await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Removes every entry carrying <paramref name="tag"/> (<see cref="TieredCache.RemoveByTagAsync"/>);
    /// <c>"*"</c> removes every entry (<see cref="TieredCache.ClearAsync"/>), as Microsoft's
    /// <see cref="HybridCache"/> does.
    /// </summary>
    /// <param name="tag">The tag; null or white space removes nothing (as Microsoft's).</param>
    /// <param name="cancellationToken">Checked before the removal.</param>
    /// <returns>A task that completes when the entries are removed.</returns>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            return default;
        }

        return tag == WildcardTag
            ? _cache.ClearAsync(cancellationToken)
            : Discard(_cache.RemoveByTagAsync(tag, cancellationToken));
    }

    /// <summary>Removes every entry carrying any of <paramref name="tags"/>, as <see cref="RemoveByTagAsync(string, CancellationToken)"/> does for each.</summary>
    /// <param name="tags">The tags; null for none.</param>
    /// <param name="cancellationToken">Checked before each removal.</param>
    /// <returns>A task that completes when the entries are removed.</returns>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public override ValueTask RemoveByTagAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        return tags is null ? default : RemoveEachAsync(tags, cancellationToken);

        async ValueTask RemoveEachAsync(IEnumerable<string> tags, CancellationToken cancellationToken)
        {
            foreach (string tag in tags)
            {
                if (tag == WildcardTag)
                {
                    await _cache.ClearAsync(cancellationToken).ConfigureAwait(false);
                    return; // nothing is left for the other tags
                }

                await RemoveByTagAsync(tag, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The codec of <typeparamref name="T"/>: an array read on every call after the first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal HybridCodec<T> GetCodec<T>()
    {
        object?[] codecs = Volatile.Read(ref _codecs);
        int index = HybridTypeSlot<T>.Index;
        if ((uint)index < (uint)codecs.Length && codecs[index] is object codec)
        {
            return Unsafe.As<HybridCodec<T>>(codec); // only a HybridCodec<T> is ever stored at T's index
        }

        return AddCodec<T>();
    }

    private static ValueTask Discard<TResult>(ValueTask<TResult> pending)
    {
        if (pending.IsCompletedSuccessfully)
        {
            _ = pending.Result;
            return default;
        }

        return AwaitAsync(pending);

        static async ValueTask AwaitAsync(ValueTask<TResult> pending) => await pending.ConfigureAwait(false);
    }

    /// <summary>Copies and checks an entry's tags, as Microsoft's does: none null or white space, none the reserved <c>"*"</c>.</summary>
    private static string[]? CopyTags(IEnumerable<string>? tags)
    {
        if (tags is null)
        {
            return null;
        }

        string[] copy = [.. tags];
        if (copy.Length == 0)
        {
            return null;
        }

        foreach (string tag in copy)
        {
            if (string.IsNullOrWhiteSpace(tag))
            {
                throw new ArgumentException("A tag must not be null, empty or white space.", nameof(tags));
            }

            if (tag == WildcardTag)
            {
                throw new ArgumentException("The tag '*' is reserved (RemoveByTagAsync(\"*\") removes every entry) and cannot be given to an entry.", nameof(tags));
            }
        }

        return copy;
    }

    private async ValueTask<T> GetOrCreateBelowLevel1Async<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryFlags flags,
        HybridCacheEntryOptions? options,
        IEnumerable<string>? tags,
        bool undecodable,
        CancellationToken cancellationToken)
    {
        HybridCodec<T> codec = GetCodec<T>();
        CacheEntryOptions? entryOptions = ToEntryOptions(options, tags); // checked before any factory runs
        if (undecodable)
        {
            await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        }
        bool noFactory = (flags & HybridCacheEntryFlags.DisableUnderlyingData) != 0;
        bool noWrite = (flags & WriteFlags) != 0;
        if ((flags & ReadFlags) != 0)
        {
            // The cache is not read: the factory's value, stored unless writes are off too.
            if (noFactory)
            {
                return default!;
            }

            T fresh = await factory(state, cancellationToken).ConfigureAwait(false);
            if (!noWrite)
            {
                await _cache.SetAsync(key, codec.Serialize(fresh), entryOptions, cancellationToken).ConfigureAwait(false);
            }

            return fresh;
        }

        if (noFactory || noWrite)
        {
            // Read every level, but nothing is stored: no shared factory run to join.
            byte[]? found = await _cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (found is not null)
            {
                if (codec.TryDeserialize(found, out T value))
                {
                    return value;
                }

                await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false); // unreadable: a miss
            }

            return noFactory ? default! : await factory(state, cancellationToken).ConfigureAwait(false);
        }

        var run = new FactoryRun<TState, T>(state, factory, codec);
        for (int attempt = 1; ; attempt++)
        {
            byte[] value = await _cache.GetOrCreateAsync(key, run.RunAsync, entryOptions, cancellationToken).ConfigureAwait(false);

            // The caller whose factory ran gets the factory's own object; the others, and hits below
            // level 1, a deserialization of their own.
            if (run.Created)
            {
                return run.Value;
            }

            if (attempt == 2)
            {
                return codec.Deserialize(value); // unreadable twice over: the serializer's error
            }

            if (codec.TryDeserialize(value, out T found))
            {
                return found;
            }

            // Bytes this type cannot read (found below level 1, say): remove them and create afresh.
            await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    private HybridCodec<T> AddCodec<T>()
    {
        // Made outside the lock (it calls the app's service provider and factories); the first one
        // published wins, as two made in a race are equivalent.
        HybridCodec<T> made = CreateCodec<T>();
        int index = HybridTypeSlot<T>.Index;
        lock (_codecsLock)
        {
            object?[] codecs = _codecs;
            if ((uint)index < (uint)codecs.Length && codecs[index] is object existing)
            {
                return Unsafe.As<HybridCodec<T>>(existing);
            }

            if (index >= codecs.Length)
            {
                object?[] grown = new object?[Math.Max(index + 1, codecs.Length * 2)];
                codecs.CopyTo(grown, 0);
                grown[index] = made;
                Volatile.Write(ref _codecs, grown);
            }
            else
            {
                Volatile.Write(ref codecs[index], made);
            }
        }

        return made;
    }

    private HybridCodec<T> CreateCodec<T>()
    {
        bool immutable = HybridImmutableTypes<T>.IsImmutable;
        if (_services?.GetService<IHybridCacheSerializer<T>>() is IHybridCacheSerializer<T> registered)
        {
            return new HybridSerializerCodec<T>(registered, immutable);
        }

        if (typeof(T) == typeof(string))
        {
            return (HybridCodec<T>)(object)new HybridBuiltInCodecs.Utf8String();
        }

        if (typeof(T) == typeof(byte[]))
        {
            return (HybridCodec<T>)(object)new HybridBuiltInCodecs.Bytes();
        }

        foreach (IHybridCacheSerializerFactory factory in _factories)
        {
            if (factory.TryCreateSerializer(out IHybridCacheSerializer<T>? serializer))
            {
                return new HybridSerializerCodec<T>(serializer, immutable);
            }
        }

        return HybridBuiltInCodecs.CreateJson<T>(_json);
    }

    /// <summary>The time to live (the call's, else the default's, else the cache's) and the checked tags as the cache takes them.</summary>
    private CacheEntryOptions? ToEntryOptions(HybridCacheEntryOptions? options, IEnumerable<string>? tags)
    {
        TimeSpan? ttl = options?.Expiration ?? _defaultExpiration;
        string[]? copied = CopyTags(tags);
        if (copied is not null)
        {
            return new CacheEntryOptions { Ttl = ttl, Tags = copied };
        }

        if (ttl is null)
        {
            return null;
        }

        return ttl == _defaultExpiration ? _defaultEntryOptions : new CacheEntryOptions { Ttl = ttl };
    }

    /// <summary>One caller's factory, wrapped for <see cref="TieredCache.GetOrCreateAsync(string, Func{CancellationToken, ValueTask{byte[]}}, CacheEntryOptions?, CancellationToken)"/>.</summary>
    private sealed class FactoryRun<TState, T>(TState state, Func<TState, CancellationToken, ValueTask<T>> factory, HybridCodec<T> codec)
    {
        /// <summary>Whether this caller's factory ran (and its value was serialized); read after the cache's call completes.</summary>
        public bool Created { get; private set; }

        public T Value { get; private set; } = default!;

        public async ValueTask<byte[]> RunAsync(CancellationToken cancellationToken)
        {
            T value = await factory(state, cancellationToken).ConfigureAwait(false);
            byte[] serialized = codec.Serialize(value);
            Value = value;
            Created = true;
            return serialized;
        }
    }
}
