using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CortexHybrid.Telemetry;

namespace CortexHybrid.Caching;

/// <summary>Get-or-create with one factory run per key at a time (stampede protection).</summary>
public sealed partial class TieredCache
{
    /// <summary>The operation name of the activity a factory run is traced as.</summary>
    internal const string FactoryActivityName = "cortex.cache.factory";

    private readonly ConcurrentDictionary<string, Flight> _flights = new(StringComparer.Ordinal);

    /// <summary>
    /// The value under <paramref name="key"/>; when no level holds it, the result of
    /// <paramref name="factory"/>, stored and returned. Concurrent callers for the same key share one
    /// factory run.
    /// </summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyLength"/> characters.</param>
    /// <param name="factory">
    /// Makes the value. Its token is cancelled only when every caller waiting for it has cancelled.
    /// A value over <see cref="TieredCacheOptions.MaxEntrySizeBytes"/> is returned but not stored
    /// (counted in <see cref="CacheStatistics.Rejections"/>).
    /// </param>
    /// <param name="options">Time to live and tags for a created value; null for the defaults.</param>
    /// <param name="cancellationToken">Stops this caller's wait; the factory goes on for the others.</param>
    /// <returns>The value, shared with the cache and the other callers (do not modify it).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> or a tag is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CacheEntryOptions.Ttl"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">The factory returned null.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>A factory that throws fails every caller waiting for it, and nothing is stored.</remarks>
    public ValueTask<byte[]> GetOrCreateAsync(
        string key,
        Func<CancellationToken, ValueTask<byte[]>> factory,
        CacheEntryOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(factory);
        ThrowIfDisposed();
        ValidateEntryOptions(options); // before any factory runs
        cancellationToken.ThrowIfCancellationRequested();
        if (TryGetFromLevel1(key, out CacheEntry? entry))
        {
            _level1Hits.Increment();
            if (options?.RefreshAhead is double fraction)
            {
                RefreshAheadIfDue(entry, factory, options, fraction);
            }

            return new ValueTask<byte[]>(entry.Data!);
        }

        return GetOrCreateBelowLevel1Async(key, factory, options, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="GetOrCreateAsync(string, Func{CancellationToken, ValueTask{byte[]}}, CacheEntryOptions?, CancellationToken)"/>,
    /// for any type, stored as UTF-8 JSON (System.Text.Json, reflection-based; trimmed or native AOT
    /// apps use the overload that takes a <see cref="JsonTypeInfo{T}"/>).
    /// </summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="factory">Makes the value when no level holds it.</param>
    /// <param name="options">Time to live and tags; null for the defaults.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>A value deserialized from the cached JSON (each call gets its own object).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="JsonException">The cached bytes are not JSON for <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON; use the overload that takes a JsonTypeInfo<T>.")]
    [RequiresDynamicCode("Reflection-based JSON; use the overload that takes a JsonTypeInfo<T>.")]
    public ValueTask<T> GetOrCreateAsync<T>(
        string key,
        Func<CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions? options = null,
        CancellationToken cancellationToken = default) =>
        GetOrCreateAsync(key, factory, (JsonTypeInfo<T>)JsonSerializerOptions.Default.GetTypeInfo(typeof(T)), options, cancellationToken);

    /// <summary>
    /// Like <see cref="GetOrCreateAsync(string, Func{CancellationToken, ValueTask{byte[]}}, CacheEntryOptions?, CancellationToken)"/>,
    /// for any type, stored as UTF-8 JSON with the given (source-generated) contract.
    /// </summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="factory">Makes the value when no level holds it.</param>
    /// <param name="typeInfo">The JSON contract for <typeparamref name="T"/>.</param>
    /// <param name="options">Time to live and tags; null for the defaults.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>A value deserialized from the cached JSON (each call gets its own object).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/>, <paramref name="factory"/> or <paramref name="typeInfo"/> is null.</exception>
    /// <exception cref="JsonException">The cached bytes are not JSON for <typeparamref name="T"/>.</exception>
    public async ValueTask<T> GetOrCreateAsync<T>(
        string key,
        Func<CancellationToken, ValueTask<T>> factory,
        JsonTypeInfo<T> typeInfo,
        CacheEntryOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(typeInfo);
        byte[] json = await GetOrCreateAsync(
            key,
            async token => JsonSerializer.SerializeToUtf8Bytes(await factory(token).ConfigureAwait(false), typeInfo),
            options,
            cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(json, typeInfo)!;
    }

    private async ValueTask<byte[]> GetOrCreateBelowLevel1Async(
        string key,
        Func<CancellationToken, ValueTask<byte[]>> factory,
        CacheEntryOptions? options,
        CancellationToken cancellationToken)
    {
        byte[]? found = await GetBelowLevel1Async(key, cancellationToken).ConfigureAwait(false);
        return found ?? await JoinFlightAsync(key, factory, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The result of the key's factory run: the one under way, or a new one this call starts.</summary>
    private async ValueTask<byte[]> JoinFlightAsync(
        string key,
        Func<CancellationToken, ValueTask<byte[]>> factory,
        CacheEntryOptions? options,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var candidate = new Flight();
            Flight flight = _flights.GetOrAdd(key, candidate);
            if (!flight.TryJoin())
            {
                // Every caller of that run cancelled and it is winding down: start afresh.
                _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight));
                continue;
            }

            if (ReferenceEquals(flight, candidate))
            {
                _ = RunFlightAsync(flight, key, factory, options);
            }

            try
            {
                return await flight.Result.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                flight.Leave();
            }
        }
    }

    /// <summary>Runs the factory and completes the flight; never throws (the outcome goes to the waiters).</summary>
    /// <remarks>
    /// The flight leaves <see cref="_flights"/> before it completes: a caller that arrives after the
    /// outcome (and after, say, a removal of the value it stored) must start a new flight rather
    /// than join a finished one and be handed the old value.
    /// </remarks>
    private async Task RunFlightAsync(Flight flight, string key, Func<CancellationToken, ValueTask<byte[]>> factory, CacheEntryOptions? options)
    {
        // Not inline on the first caller's stack: its cancellation must be able to end its wait
        // even while a synchronous factory runs.
        await Task.Yield();
        byte[] value;
        try
        {
            value = await RunFactoryAsync(flight, key, factory, options).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight));
            flight.Fail(exception);
            return;
        }

        _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight));
        flight.Complete(value);
    }

    /// <summary>The value for a flight: from level 1 if a run that just finished stored it, else from the factory, stored.</summary>
    private async Task<byte[]> RunFactoryAsync(Flight flight, string key, Func<CancellationToken, ValueTask<byte[]>> factory, CacheEntryOptions? options)
    {
        if (TryGetFromLevel1(key, out CacheEntry? stored))
        {
            return stored.Data!;
        }

        byte[] value;
        using (Activity? activity = StartFactoryActivity())
        {
            try
            {
                value = await factory(flight.Cancellation).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The factory for cache key '{key}' returned null.");
                activity?.SetTag("cortex.cache.value.size", value.Length);
            }
            catch (Exception exception)
            {
                ServingTelemetry.Fail(activity, exception);
                throw;
            }
        }

        if (value.Length > _options.MaxEntrySizeBytes)
        {
            Interlocked.Increment(ref _rejections);
        }
        else if (Volatile.Read(ref _disposed) == 0)
        {
            await Store(NewEntry(key, value, options)).ConfigureAwait(false);
        }

        return value;
    }

    /// <summary>The <c>cortex.cache.factory</c> activity: a miss at every level that runs the factory; null when nobody listens.</summary>
    private Activity? StartFactoryActivity()
    {
        Activity? activity = ServingTelemetry.Start(FactoryActivityName);
        activity?.SetTag("cortex.cache.name", _options.Name);
        return activity;
    }

    /// <summary>One factory run and the callers waiting for it.</summary>
    private sealed class Flight
    {
        private readonly CancellationTokenSource _cancellation = new();

        /// <summary>Callers waiting; -1 once the last has gone and the run is cancelled.</summary>
        private int _callers;

        private readonly TaskCompletionSource<byte[]> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<byte[]> Result => _result.Task;

        public CancellationToken Cancellation => _cancellation.Token;

        public void Complete(byte[] value) => _result.TrySetResult(value);

        public void Fail(Exception exception)
        {
            // Cancelled because every caller left: nobody waits. A factory's own cancellation
            // (its own timeout, say) reaches the callers as it was thrown.
            if (exception is OperationCanceledException canceled && _cancellation.IsCancellationRequested)
            {
                _result.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _result.TrySetException(exception);
            }
        }

        public bool TryJoin()
        {
            while (true)
            {
                int callers = Volatile.Read(ref _callers);
                if (callers < 0)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _callers, callers + 1, callers) == callers)
                {
                    return true;
                }
            }
        }

        public void Leave()
        {
            if (Interlocked.Decrement(ref _callers) == 0
                && !Result.IsCompleted
                && Interlocked.CompareExchange(ref _callers, -1, 0) == 0)
            {
                _cancellation.Cancel();
            }
        }
    }
}
