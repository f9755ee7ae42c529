using System.Diagnostics.Metrics;
using CortexHybrid.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheMetricsTests
{
    /// <summary>The latest observed values of this cache's requests and entries, by their tags.</summary>
    private sealed class Observer : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _name;

        public Observer(string name)
        {
            _name = name;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "CortexHybrid" && instrument.Name is "cortex.cache.requests" or "cortex.cache.entries" or "cortex.cache.size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public Dictionary<(string Level, string Result), long> Requests { get; } = [];

        public Dictionary<string, long> Entries { get; } = [];

        public long? Size { get; private set; }

        public void Collect()
        {
            lock (this)
            {
                Requests.Clear();
                Entries.Clear();
                Size = null;
            }

            _listener.RecordObservableInstruments();
        }

        public void Dispose() => _listener.Dispose();

        private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == key)
                {
                    return tag.Value as string;
                }
            }

            return null;
        }

        private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (Tag(tags, "cortex.cache.name") != _name)
            {
                return;
            }

            lock (this)
            {
                switch (instrument.Name)
                {
                    case "cortex.cache.requests":
                        Requests[(Tag(tags, "level") ?? "?", Tag(tags, "result") ?? "?")] = value;
                        break;
                    case "cortex.cache.entries":
                        Entries[Tag(tags, "level") ?? "?"] = value;
                        break;
                    default:
                        Size = value;
                        break;
                }
            }
        }
    }

    [Fact]
    public async Task Requests_and_entries_are_published_by_level_and_match_the_statistics()
    {
        TieredCacheOptions options = CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 5);
        using var observer = new Observer(options.Name);
        using var cache = new TieredCache(options, timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Value100, "a", "b", "c"); // L3 a, L2 b, L1 c
        await cache.GetAsync("c");
        await cache.GetAsync("c");
        await cache.GetAsync("b");
        await cache.GetAsync("a");
        await cache.GetAsync("a");
        await cache.GetAsync("a");
        await cache.GetAsync("missing");

        observer.Collect();

        Assert.Equal(2, observer.Requests[("l1", "hit")]);
        Assert.Equal(1, observer.Requests[("l2", "hit")]);
        Assert.Equal(3, observer.Requests[("l3", "hit")]);
        Assert.Equal(1, observer.Requests[("none", "miss")]);
        Assert.Equal(4, observer.Requests.Count);
        Assert.Equal(1, observer.Entries["l1"]);
        Assert.Equal(1, observer.Entries["l2"]);
        Assert.Equal(1, observer.Entries["l3"]);
        Assert.Equal(3, observer.Entries.Count);
        Assert.Equal(200, observer.Size);

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(stats.L1Hits, observer.Requests[("l1", "hit")]);
        Assert.Equal(stats.L2Hits, observer.Requests[("l2", "hit")]);
        Assert.Equal(stats.L3Hits, observer.Requests[("l3", "hit")]);
        Assert.Equal(stats.Misses, observer.Requests[("none", "miss")]);
        Assert.Equal(stats.L1Count, observer.Entries["l1"]);
        Assert.Equal(stats.L2Count, observer.Entries["l2"]);
        Assert.Equal(stats.L3Count, observer.Entries["l3"]);
    }

    [Fact]
    public async Task Published_figures_follow_the_cache_and_stop_after_Dispose()
    {
        TieredCacheOptions options = CacheTestData.Small(l1: 2, l2: 0, l3: 0);
        using var observer = new Observer(options.Name);
        var cache = new TieredCache(options, timeProvider: new FakeTimeProvider());

        observer.Collect();
        Assert.Equal(0, observer.Requests[("l1", "hit")]);
        Assert.Equal(0, observer.Entries["l1"]);

        await cache.SetAllAsync(CacheTestData.Named, "a", "b");
        await cache.GetAsync("a");
        observer.Collect();
        Assert.Equal(1, observer.Requests[("l1", "hit")]);
        Assert.Equal(2, observer.Entries["l1"]);

        cache.Dispose();
        observer.Collect();
        Assert.Empty(observer.Requests);
        Assert.Empty(observer.Entries);
    }
}
