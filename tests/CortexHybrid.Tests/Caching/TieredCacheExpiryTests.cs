using CortexHybrid.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheExpiryTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly CacheEntryOptions OneMinute = new() { Ttl = Minute };

    [Fact]
    public async Task An_expired_entry_in_L1_is_never_returned()
    {
        var time = new FakeTimeProvider();
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);

        time.Advance(Minute - TimeSpan.FromTicks(1));
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));

        time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(await cache.GetAsync("a"));

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Expirations);
        Assert.Equal(0, stats.L1Count);
        Assert.Equal((1, 1), (stats.L1Hits, stats.Misses));
    }

    [Fact]
    public async Task An_expired_entry_in_L2_is_never_returned()
    {
        var time = new FakeTimeProvider();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0), timeProvider: time);
        await cache.SetAsync("a", CacheTestData.JsonLike(1000), OneMinute);
        await cache.SetAsync("b", CacheTestData.Named("b")); // a to L2, compressed
        Assert.Equal(1, cache.GetStatistics().L2Count);

        time.Advance(Minute);
        Assert.Null(await cache.GetAsync("a"));
        Assert.Equal(CacheTestData.Named("b"), await cache.GetAsync("b"));

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Expirations);
        Assert.Equal(0, stats.L2Count);
        Assert.Equal((1, 0, 1), (stats.L1Hits, stats.L2Hits, stats.Misses));
    }

    [Fact]
    public async Task An_expired_entry_in_L3_is_never_returned_even_when_level3_still_holds_it()
    {
        // This level 3 runs on the system clock: only the cache's own expiry protects the reader.
        var time = new FakeTimeProvider();
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10), level3, time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);
        await cache.SetAllAsync(CacheTestData.Named, "b", "c"); // a to L3
        Assert.True(level3.Holds("a"));

        time.Advance(Minute);
        Assert.Null(await cache.GetAsync("a"));

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Expirations);
        Assert.Equal(1, stats.Misses);
        Assert.Equal(0, stats.L3Count);
        Assert.False(level3.Holds("a"));
    }

    [Fact]
    public async Task An_entry_expired_in_the_default_level3_is_never_returned()
    {
        var time = new FakeTimeProvider();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10), timeProvider: time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);
        await cache.SetAllAsync(CacheTestData.Named, "b", "c"); // a to L3
        Assert.Equal(1, cache.GetStatistics().L3Count);

        time.Advance(Minute);
        Assert.Null(await cache.GetAsync("a"));

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Misses);
        Assert.Equal(0, stats.L3Count);
    }

    [Fact]
    public async Task An_entry_expired_in_the_default_level3_counts_as_an_expiration()
    {
        var time = new FakeTimeProvider();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10), timeProvider: time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);
        await cache.SetAllAsync(CacheTestData.Named, "b", "c"); // a to L3

        time.Advance(Minute);
        Assert.Null(await cache.GetAsync("a"));

        // The cache recorded a's expiry when it wrote a to level 3: a was dropped because its time to live passed.
        Assert.Equal(1, cache.GetStatistics().Expirations);
    }

    [Fact]
    public async Task An_entry_that_expired_in_L1_is_dropped_not_demoted()
    {
        var time = new FakeTimeProvider();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 10), timeProvider: time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);

        time.Advance(Minute);
        await cache.SetAsync("b", CacheTestData.Named("b"));

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Expirations);
        Assert.Equal(0, stats.Demotions);
        Assert.Equal((1, 0, 0), (stats.L1Count, stats.L2Count, stats.L3Count));
    }

    [Fact]
    public async Task An_entry_that_expired_in_L2_is_dropped_not_moved_to_L3()
    {
        var time = new FakeTimeProvider();
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10), level3, time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);
        await cache.SetAsync("b", CacheTestData.Named("b")); // a to L2

        time.Advance(Minute);
        await cache.SetAsync("c", CacheTestData.Named("c")); // b to L2 pushes a out: expired

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Expirations);
        Assert.Equal(2, stats.Demotions);
        Assert.Equal(0, stats.L3Count);
        Assert.False(level3.Holds("a"));
    }

    [Fact]
    public async Task A_promoted_entry_keeps_its_original_expiry()
    {
        var time = new FakeTimeProvider();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0, promotionThreshold: 1), timeProvider: time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);
        await cache.SetAsync("b", CacheTestData.Named("b")); // a to L2

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.NotNull(await cache.GetAsync("a")); // promoted to L1
        Assert.Equal(1, cache.GetStatistics().Promotions);

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(await cache.GetAsync("a"));
    }

    [Fact]
    public async Task An_entry_keeps_its_expiry_through_L3_and_back()
    {
        var time = new FakeTimeProvider();
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 1), level3, time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);
        await cache.SetAllAsync(CacheTestData.Named, "b", "c"); // a to L3

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a")); // L3, promoted to L1
        Assert.Equal(1, cache.GetStatistics().Promotions);

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(await cache.GetAsync("a"));
    }

    [Fact]
    public async Task DefaultTtl_applies_when_the_entry_gives_none()
    {
        var time = new FakeTimeProvider();
        TieredCacheOptions options = CacheTestData.Small(l1: 10);
        options.DefaultTtl = TimeSpan.FromMinutes(10);
        using var cache = new TieredCache(options, timeProvider: time);
        await cache.SetAsync("a", CacheTestData.Named("a"));
        await cache.SetAsync("b", CacheTestData.Named("b"), new CacheEntryOptions { Tags = ["t"] });

        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.NotNull(await cache.GetAsync("a"));
        Assert.NotNull(await cache.GetAsync("b"));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await cache.GetAsync("a"));
        Assert.Null(await cache.GetAsync("b"));
    }

    [Fact]
    public async Task Setting_a_key_again_starts_a_new_time_to_live()
    {
        var time = new FakeTimeProvider();
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: time);
        await cache.SetAsync("a", CacheTestData.Named("a"), OneMinute);

        time.Advance(TimeSpan.FromSeconds(50));
        await cache.SetAsync("a", CacheTestData.Text("again"), OneMinute);
        time.Advance(TimeSpan.FromSeconds(50));

        Assert.Equal(CacheTestData.Text("again"), await cache.GetAsync("a"));
    }

    [Fact]
    public async Task A_non_positive_ttl_is_rejected_with_ArgumentOutOfRangeException()
    {
        using var cache = new TieredCache(CacheTestData.Small(), timeProvider: new FakeTimeProvider());
        int factoryRuns = 0;

        foreach (TimeSpan ttl in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-1) })
        {
            var options = new CacheEntryOptions { Ttl = ttl };
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await cache.SetAsync("a", CacheTestData.Named("a"), options));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await cache.GetOrCreateAsync(
                "a",
                _ =>
                {
                    factoryRuns++;
                    return ValueTask.FromResult(CacheTestData.Named("a"));
                },
                options));
        }

        Assert.Equal(0, factoryRuns);
        Assert.Null(await cache.GetAsync("a"));
    }

    [Fact]
    public async Task An_entry_that_never_expires_moves_to_level3_like_any_other()
    {
        // Real clocks, default level 3: the cache's clock and level 3's are read moments apart.
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10));
        await cache.SetAsync("a", CacheTestData.Named("a"), new CacheEntryOptions { Ttl = TimeSpan.MaxValue });
        await cache.SetAllAsync(CacheTestData.Named, "b", "c"); // a to L3

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(0, stats.Level3Errors);
        Assert.Equal(1, stats.L3Count);
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        Assert.Equal(1, cache.GetStatistics().L3Hits);
    }
}
