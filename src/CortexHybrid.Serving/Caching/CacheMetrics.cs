using System.Diagnostics.Metrics;
using CortexHybrid.Telemetry;

namespace CortexHybrid.Caching;

/// <summary>
/// A cache's figures as <see cref="System.Diagnostics.Metrics"/> instruments on the meter
/// <c>CortexHybrid</c>, tagged with the cache's name. All are observable: a statistics snapshot is
/// taken only when a listener collects, so a cache read pays nothing for them.
/// </summary>
/// <remarks>
/// On a meter from an <see cref="IMeterFactory"/> the instruments outlive the cache (the factory
/// owns the meter and disposes it with the container): once the cache is disposed they report nothing.
/// </remarks>
internal sealed class CacheMetrics : IDisposable
{
    private static readonly Measurement<long>[] NoLongs = [];
    private static readonly Measurement<int>[] NoInts = [];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Func<CacheStatistics> _statistics;
    private readonly KeyValuePair<string, object?> _name;
    private volatile bool _disposed;

    public CacheMetrics(string cacheName, Func<CacheStatistics> statistics, IMeterFactory? meterFactory)
    {
        _name = new KeyValuePair<string, object?>("cortex.cache.name", cacheName);
        _statistics = statistics;
        _meter = ServingTelemetry.CreateMeter(meterFactory);
        _ownsMeter = meterFactory is null;
        _meter.CreateObservableCounter("cortex.cache.requests", Requests, "{request}", "Cache reads, by the level that served them or as a miss.");
        _meter.CreateObservableUpDownCounter("cortex.cache.entries", Entries, "{entry}", "Entries held, by level (level 3: those this cache placed there).");
        _meter.CreateObservableUpDownCounter("cortex.cache.size", () => Single(s => s.SizeBytes), "By", "Bytes held in process by levels 1 and 2.");
        _meter.CreateObservableCounter("cortex.cache.promotions", () => Single(s => s.Promotions), "{entry}", "Entries moved up to level 1.");
        _meter.CreateObservableCounter("cortex.cache.demotions", () => Single(s => s.Demotions), "{entry}", "Entries moved down a level.");
        _meter.CreateObservableCounter("cortex.cache.evictions", () => Single(s => s.Evictions), "{entry}", "Entries dropped for room.");
        _meter.CreateObservableCounter("cortex.cache.expirations", () => Single(s => s.Expirations), "{entry}", "Entries dropped past their time to live.");
        _meter.CreateObservableCounter("cortex.cache.level3.errors", () => Single(s => s.Level3Errors), "{error}", "Level 3 calls that failed or timed out.");
    }

    public void Dispose()
    {
        _disposed = true;
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private Measurement<long>[] Requests()
    {
        if (_disposed)
        {
            return NoLongs;
        }

        CacheStatistics s = _statistics();
        return
        [
            new(s.L1Hits, _name, new("level", "l1"), new("result", "hit")),
            new(s.L2Hits, _name, new("level", "l2"), new("result", "hit")),
            new(s.L3Hits, _name, new("level", "l3"), new("result", "hit")),
            new(s.Misses, _name, new("level", "none"), new("result", "miss")),
        ];
    }

    private Measurement<int>[] Entries()
    {
        if (_disposed)
        {
            return NoInts;
        }

        CacheStatistics s = _statistics();
        return
        [
            new(s.L1Count, _name, new("level", "l1")),
            new(s.L2Count, _name, new("level", "l2")),
            new(s.L3Count, _name, new("level", "l3")),
        ];
    }

    private Measurement<long>[] Single(Func<CacheStatistics, long> figure) =>
        _disposed ? NoLongs : [new(figure(_statistics()), _name)];
}
