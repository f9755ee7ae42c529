using CortexHybrid.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// <see cref="CacheEntryOptions.RefreshAhead"/> on a fake clock: a read after the stated fraction of
/// the time to live gets the current value and starts one background refresh; a hot key never
/// expires under its readers; a failing refresh keeps the old value until its time to live; a
/// refresh never brings back a key removed while it ran.
/// </summary>
public sealed class TieredCacheRefreshAheadTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private static readonly CacheEntryOptions Eager = new() { Ttl = Ttl, RefreshAhead = 0.8 };
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_read_before_the_fraction_refreshes_nothing_and_a_read_after_it_refreshes_once_in_the_background()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: _time);
        var factory = new CountingFactory();
        Assert.Equal("v1", Text(await cache.GetOrCreateAsync("k", factory.Next, Eager)));

        _time.Advance(Ttl * 0.79);
        Assert.Equal("v1", Text(await cache.GetOrCreateAsync("k", factory.Next, Eager)));
        Assert.Equal(1, factory.Calls);

        _time.Advance(Ttl * 0.02);
        Assert.Equal("v1", Text(await cache.GetOrCreateAsync("k", factory.Next, Eager))); // the current value, at once
        await WaitUntil(() => !cache.IsRefreshing("k"));
        Assert.Equal(1, cache.GetStatistics().Refreshes);
        Assert.Equal(2, factory.Calls);
        Assert.Equal("v2", Text(await cache.GetAsync("k")));

        // The refreshed entry has a fresh time to live: past the first one's expiry it is still there.
        _time.Advance(Ttl * 0.5);
        Assert.Equal("v2", Text(await cache.GetAsync("k")));
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 0L), (stats.Misses, stats.RefreshFailures));
    }

    [Fact]
    public async Task A_key_read_every_tenth_of_its_ttl_never_expires_under_its_readers()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: _time);
        var factory = new CountingFactory();
        await cache.GetOrCreateAsync("hot", factory.Next, Eager);
        for (int step = 1; step <= 50; step++)
        {
            _time.Advance(Ttl / 10);
            await cache.GetOrCreateAsync("hot", factory.Next, Eager);
            await WaitUntil(() => !cache.IsRefreshing("hot")); // started (if due) before the read returned
        }

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Misses); // only the first read: five time-to-lives passed with no expiry
        Assert.Equal(0, stats.Expirations);
        Assert.InRange(factory.Calls, 6, 26); // a refresh every 8 to 10 tenths, not one per read
    }

    [Fact]
    public async Task Many_readers_past_the_fraction_start_one_refresh()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: _time);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        async ValueTask<byte[]> Factory(CancellationToken token)
        {
            if (Interlocked.Increment(ref calls) > 1)
            {
                await gate.Task.WaitAsync(token);
            }

            return CacheTestData.Text($"v{Volatile.Read(ref calls)}");
        }

        await cache.GetOrCreateAsync("k", Factory, Eager);
        _time.Advance(Ttl * 0.9);
        byte[][] values = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(async () => await cache.GetOrCreateAsync("k", Factory, Eager))));
        Assert.All(values, v => Assert.Equal("v1", Text(v)));
        await WaitUntil(() => Volatile.Read(ref calls) == 2);

        gate.SetResult();
        await WaitUntil(() => cache.GetStatistics().Refreshes == 1);
        Assert.Equal(2, Volatile.Read(ref calls));
        Assert.Equal("v2", Text(await cache.GetAsync("k")));
    }

    [Fact]
    public async Task A_failing_refresh_keeps_the_old_value_until_its_ttl()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: _time);
        int calls = 0;
        ValueTask<byte[]> Factory(CancellationToken token) => Interlocked.Increment(ref calls) == 1
            ? ValueTask.FromResult(CacheTestData.Text("old"))
            : ValueTask.FromException<byte[]>(new InvalidOperationException("the source is down"));

        await cache.GetOrCreateAsync("k", Factory, Eager);
        _time.Advance(Ttl * 0.85);
        Assert.Equal("old", Text(await cache.GetOrCreateAsync("k", Factory, Eager)));
        // The failure is counted just before the refresh leaves: wait for both, or the next read can still see it running.
        await WaitUntil(() => cache.GetStatistics().RefreshFailures == 1 && !cache.IsRefreshing("k"));

        _time.Advance(Ttl * 0.1); // 95%: still the old value; the next read tries again
        Assert.Equal("old", Text(await cache.GetOrCreateAsync("k", Factory, Eager)));
        await WaitUntil(() => cache.GetStatistics().RefreshFailures == 2 && !cache.IsRefreshing("k"));
        Assert.Equal("old", Text(await cache.GetAsync("k")));

        _time.Advance(Ttl * 0.05); // its time to live: gone, and a read now fails like any miss whose factory fails
        Assert.Null(await cache.GetAsync("k"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await cache.GetOrCreateAsync("k", Factory, Eager));
        Assert.Equal(0, cache.GetStatistics().Refreshes);
    }

    [Fact]
    public async Task A_key_removed_while_its_refresh_runs_stays_removed()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: _time);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        async ValueTask<byte[]> Factory(CancellationToken token)
        {
            if (Interlocked.Increment(ref calls) > 1)
            {
                started.SetResult();
                await gate.Task.WaitAsync(token);
            }

            return CacheTestData.Text("value");
        }

        await cache.GetOrCreateAsync("k", Factory, Eager);
        _time.Advance(Ttl * 0.9);
        await cache.GetOrCreateAsync("k", Factory, Eager);
        await started.Task.WaitAsync(Wait);
        Assert.True(await cache.RemoveAsync("k"));
        gate.SetResult();

        await WaitUntil(() => !cache.IsRefreshing("k"));
        Assert.Null(await cache.GetAsync("k"));
        Assert.Equal((0L, 0L), (cache.GetStatistics().Refreshes, cache.GetStatistics().RefreshFailures));
    }

    [Fact]
    public async Task Without_the_option_an_entry_expires_as_before()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: _time);
        var factory = new CountingFactory();
        var plain = new CacheEntryOptions { Ttl = Ttl };
        await cache.GetOrCreateAsync("k", factory.Next, plain);
        _time.Advance(Ttl * 0.99);
        await cache.GetOrCreateAsync("k", factory.Next, plain);
        Assert.Equal(1, factory.Calls);
        _time.Advance(Ttl * 0.01);
        Assert.Equal("v2", Text(await cache.GetOrCreateAsync("k", factory.Next, plain)));
        Assert.Equal(0, cache.GetStatistics().Refreshes);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public async Task A_fraction_outside_zero_to_one_is_rejected_before_any_factory_runs(double fraction)
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: _time);
        var options = new CacheEntryOptions { RefreshAhead = fraction };
        var factory = new CountingFactory();
        var thrown = await Assert.ThrowsAsync<ArgumentOutOfRangeException>("options", async () => await cache.GetOrCreateAsync("k", factory.Next, options));
        Assert.Contains("RefreshAhead must be above 0 and below 1", thrown.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>("options", async () => await cache.SetAsync("k", CacheTestData.Text("v"), options));
        Assert.Equal(0, factory.Calls);
    }

    private static string? Text(byte[]? value) => value is null ? null : System.Text.Encoding.UTF8.GetString(value);

    /// <summary>Waits (in real time, bounded) for a background refresh to finish; the fake clock does not move.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the background refresh did not finish in time");
            await Task.Delay(1);
        }
    }

    /// <summary>A factory returning v1, v2, ... on successive calls.</summary>
    private sealed class CountingFactory
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<byte[]> Next(CancellationToken token) => ValueTask.FromResult(CacheTestData.Text($"v{Interlocked.Increment(ref _calls)}"));
    }
}
