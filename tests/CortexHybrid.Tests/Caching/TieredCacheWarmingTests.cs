using System.Collections.Concurrent;
using CortexHybrid.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// <see cref="TieredCache.WarmAsync"/>: every key loaded with bounded concurrency and progress,
/// failures counted and never fatal, cached keys not loaded again, cancellation honoured.
/// </summary>
public sealed class TieredCacheWarmingTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Every_key_is_loaded_at_most_max_concurrency_at_a_time_with_progress_after_each()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 100), timeProvider: _time);
        string[] keys = [.. Enumerable.Range(0, 40).Select(i => $"key-{i}")];
        int running = 0, peak = 0;
        async ValueTask<byte[]> Factory(string key, CancellationToken token)
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(2, token); // real work takes time: lets the runs overlap
            Interlocked.Decrement(ref running);
            return CacheTestData.Named(key);
        }

        var progress = new Recorder();
        CacheWarmResult result = await cache.WarmAsync(keys, Factory, new CacheWarmOptions { MaxConcurrency = 3 }, progress);

        Assert.Equal((40, 0, 0), (result.Loaded, result.AlreadyCached, result.Failed));
        Assert.InRange(peak, 1, 3);
        foreach (string key in keys)
        {
            Assert.Equal(CacheTestData.Named(key), await cache.GetAsync(key));
        }

        CacheWarmProgress[] reports = [.. progress.Reports.OrderBy(r => r.Done)];
        Assert.Equal(Enumerable.Range(1, 40), reports.Select(r => r.Done));
        Assert.All(reports, r => Assert.Equal((40, 0), (r.Total, r.Failed)));
    }

    [Fact]
    public async Task A_failing_key_is_counted_and_the_others_still_load()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 100), timeProvider: _time);
        string[] keys = ["a", "bad-1", "b", "", "bad-2", "c", new string('x', TieredCache.MaxKeyLength + 1)];
        ValueTask<byte[]> Factory(string key, CancellationToken token) => key.StartsWith("bad", StringComparison.Ordinal)
            ? ValueTask.FromException<byte[]>(new InvalidOperationException($"cannot load {key}"))
            : ValueTask.FromResult(CacheTestData.Named(key));

        var progress = new Recorder();
        CacheWarmResult result = await cache.WarmAsync(keys, Factory, progress: progress);

        Assert.Equal((3, 0, 4), (result.Loaded, result.AlreadyCached, result.Failed)); // two factories threw, two keys are invalid
        Assert.Null(await cache.GetAsync("bad-1"));
        Assert.Equal(CacheTestData.Named("c"), await cache.GetAsync("c"));
        Assert.Equal(4, progress.Reports.Max(r => r.Failed));
    }

    [Fact]
    public async Task Keys_already_cached_and_duplicates_are_not_loaded_again()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 100), timeProvider: _time);
        await cache.SetAsync("a", CacheTestData.Text("kept"));
        await cache.SetAsync("b", CacheTestData.Text("kept"));
        var loaded = new ConcurrentBag<string>();
        ValueTask<byte[]> Factory(string key, CancellationToken token)
        {
            loaded.Add(key);
            return ValueTask.FromResult(CacheTestData.Named(key));
        }

        CacheWarmResult result = await cache.WarmAsync(["a", "b", "c", "c", "d", "a"], Factory);

        Assert.Equal((2, 2, 0), (result.Loaded, result.AlreadyCached, result.Failed));
        Assert.Equal(["c", "d"], loaded.Order());
        Assert.Equal(CacheTestData.Text("kept"), await cache.GetAsync("a"));
    }

    [Fact]
    public async Task Entry_options_apply_to_what_is_loaded()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 100), timeProvider: _time);
        var options = new CacheWarmOptions { EntryOptions = new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(1), Tags = ["warm"] } };
        await cache.WarmAsync(["a", "b"], (key, _) => ValueTask.FromResult(CacheTestData.Named(key)), options);

        Assert.Equal(2, await cache.RemoveByTagAsync("warm"));
        await cache.WarmAsync(["a"], (key, _) => ValueTask.FromResult(CacheTestData.Named(key)), options);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync("a"));
    }

    [Fact]
    public async Task Cancelling_stops_the_warming_and_throws()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1000), timeProvider: _time);
        using var cancel = new CancellationTokenSource();
        int calls = 0;
        ValueTask<byte[]> Factory(string key, CancellationToken token)
        {
            if (Interlocked.Increment(ref calls) == 5)
            {
                cancel.Cancel();
            }

            return ValueTask.FromResult(CacheTestData.Named(key));
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.WarmAsync(Enumerable.Range(0, 500).Select(i => $"k{i}"), Factory, new CacheWarmOptions { MaxConcurrency = 1 }, cancellationToken: cancel.Token));
        Assert.InRange(Volatile.Read(ref calls), 5, 6);
        Assert.Null(await cache.GetAsync("k499"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TieredCache.MaxWarmConcurrency + 1)]
    public async Task A_concurrency_out_of_range_is_rejected(int concurrency)
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: _time);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>("options", () => cache.WarmAsync(["a"], (k, _) => ValueTask.FromResult(CacheTestData.Named(k)), new CacheWarmOptions { MaxConcurrency = concurrency }));
        Assert.Null(await cache.GetAsync("a"));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is int current && current != seen)
        {
            seen = current;
        }
    }

    /// <summary>Records reports as they come, on the reporting thread (unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Recorder : IProgress<CacheWarmProgress>
    {
        public ConcurrentQueue<CacheWarmProgress> Reports { get; } = new();

        public void Report(CacheWarmProgress value) => Reports.Enqueue(value);
    }
}
