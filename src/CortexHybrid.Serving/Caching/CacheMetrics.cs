using System.Diagnostics.Metrics;

namespace CortexHybrid.Caching;

/// <summary>
/// A cache's figures as <see cref="System.Diagnostics.Metrics"/> instruments on the meter
/// <c>CortexHybrid</c>, tagged with the cache's name. All are observable: a statistics snapshot is
/// taken only when a listener collects, so a cache read pays nothing for them.
/// </summary>
internal sealed class CacheMetrics : IDisposable
{
    private readonly Meter _meter;

    public CacheMetrics(string cacheName, Func<CacheStatistics> statistics)
    {
        var name = new KeyValuePair<string, object?>("cortex.cache.name", cacheName);
        _meter = new Meter("CortexHybrid");
        _meter.CreateObservableCounter(
            "cortex.cache.requests",
            () =>
            {
                CacheStatistics s = statistics();
                return new[]
                {
                    new Measurement<long>(s.L1Hits, name, new("level", "l1"), new("result", "hit")),
                    new Measurement<long>(s.L2Hits, name, new("level", "l2"), new("result", "hit")),
                    new Measurement<long>(s.L3Hits, name, new("level", "l3"), new("result", "hit")),
                    new Measurement<long>(s.Misses, name, new("level", "none"), new("result", "miss")),
                };
            },
            "{request}",
            "Cache reads, by the level that served them or as a miss.");
        _meter.CreateObservableUpDownCounter(
            "cortex.cache.entries",
            () =>
            {
                CacheStatistics s = statistics();
                return new[]
                {
                    new Measurement<int>(s.L1Count, name, new("level", "l1")),
                    new Measurement<int>(s.L2Count, name, new("level", "l2")),
                    new Measurement<int>(s.L3Count, name, new("level", "l3")),
                };
            },
            "{entry}",
            "Entries held, by level (level 3: those this cache placed there).");
        _meter.CreateObservableUpDownCounter("cortex.cache.size", () => new Measurement<long>(statistics().SizeBytes, name), "By", "Bytes held in process by levels 1 and 2.");
        _meter.CreateObservableCounter("cortex.cache.promotions", () => new Measurement<long>(statistics().Promotions, name), "{entry}", "Entries moved up to level 1.");
        _meter.CreateObservableCounter("cortex.cache.demotions", () => new Measurement<long>(statistics().Demotions, name), "{entry}", "Entries moved down a level.");
        _meter.CreateObservableCounter("cortex.cache.evictions", () => new Measurement<long>(statistics().Evictions, name), "{entry}", "Entries dropped for room.");
        _meter.CreateObservableCounter("cortex.cache.expirations", () => new Measurement<long>(statistics().Expirations, name), "{entry}", "Entries dropped past their time to live.");
        _meter.CreateObservableCounter("cortex.cache.level3.errors", () => new Measurement<long>(statistics().Level3Errors, name), "{error}", "Level 3 calls that failed or timed out.");
    }

    public void Dispose() => _meter.Dispose();
}
