using System.Diagnostics;
using CortexHybrid.Telemetry;

namespace CortexHybrid.Caching;

/// <summary>Refresh-ahead: a hot entry is replaced in the background before it expires (<see cref="CacheEntryOptions.RefreshAhead"/>).</summary>
public sealed partial class TieredCache
{
    /// <summary>Whether a factory run (a refresh or a miss's) for <paramref name="key"/> is under way; for tests.</summary>
    internal bool IsRefreshing(string key) => _flights.ContainsKey(key);

    /// <summary>
    /// Starts a background refresh of a level 1 <paramref name="entry"/> when <paramref name="fraction"/>
    /// of its time to live has passed and no factory run for its key is under way. On the hit path:
    /// one clock read and, when due, one dictionary insert; nothing when not due.
    /// </summary>
    private void RefreshAheadIfDue(CacheEntry entry, Func<CancellationToken, ValueTask<byte[]>> factory, CacheEntryOptions options, double fraction)
    {
        if (entry.ExpiresAtUtcTicks == DateTime.MaxValue.Ticks)
        {
            return; // never expires: nothing to get ahead of
        }

        long ttl = (options.Ttl ?? _options.DefaultTtl).Ticks;
        long refreshAt = entry.ExpiresAtUtcTicks - (long)(ttl * (1 - fraction));
        if (NowTicks() < refreshAt || _flights.ContainsKey(entry.Key))
        {
            return;
        }

        var flight = new Flight();
        bool joined = flight.TryJoin(); // the refresh holds the flight: a waiting caller that cancels cannot cancel it
        Debug.Assert(joined, "a new flight always admits its first caller");
        if (_flights.TryAdd(entry.Key, flight))
        {
            _ = RefreshAsync(flight, entry, factory, options);
        }
    }

    /// <summary>Runs the factory for a refresh and replaces <paramref name="entry"/> if it is still level 1's; never throws.</summary>
    private async Task RefreshAsync(Flight flight, CacheEntry entry, Func<CancellationToken, ValueTask<byte[]>> factory, CacheEntryOptions options)
    {
        // Off the reader's stack: the reader that found the entry due gets its value now.
        await Task.Yield();
        string key = entry.Key;
        byte[] value;
        try
        {
            using Activity? activity = StartFactoryActivity();
            activity?.SetTag("cortex.cache.refresh", true);
            try
            {
                value = await factory(flight.Cancellation).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The factory for cache key '{key}' returned null.");
                if (value.Length > _options.MaxEntrySizeBytes)
                {
                    Interlocked.Increment(ref _rejections);
                }
                else if (Volatile.Read(ref _disposed) == 0)
                {
                    if (await Store(NewEntry(key, value, options), replacing: entry).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref _refreshes);
                    }
                }
            }
            catch (Exception exception)
            {
                ServingTelemetry.Fail(activity, exception);
                throw;
            }
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref _refreshFailures);
            if (exception is not ObjectDisposedException)
            {
                CacheLog.RefreshFailed(_logger, _options.Name, exception);
            }

            _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight));
            flight.Fail(exception);
            _ = flight.Result.Exception; // observed: nobody may be waiting for a refresh
            flight.Leave();
            return;
        }

        _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight));
        flight.Complete(value);
        flight.Leave();
    }
}
