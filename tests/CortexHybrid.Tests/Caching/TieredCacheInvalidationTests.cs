using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheInvalidationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Six keys over three levels: L3 = k1, k2; L2 = k3, k4; L1 = k5, k6.</summary>
    private static async Task<(TieredCache Cache, MemoryDistributedCache Level3)> SpreadAsync(Func<string, CacheEntryOptions?>? optionsOf = null)
    {
        var level3 = CacheTestData.NewDistributedCache();
        var cache = new TieredCache(CacheTestData.Small(l1: 2, l2: 2, l3: 10, promotionThreshold: 5), level3, new FakeTimeProvider());
        foreach (string key in new[] { "k1", "k2", "k3", "k4", "k5", "k6" })
        {
            await cache.SetAsync(key, CacheTestData.Named(key), optionsOf?.Invoke(key));
        }

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((2, 2, 2), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.True(level3.Holds("k1"));
        Assert.True(level3.Holds("k2"));
        return (cache, level3);
    }

    [Fact]
    public async Task RemoveAsync_removes_a_key_from_whichever_level_holds_it()
    {
        (TieredCache cache, MemoryDistributedCache level3) = await SpreadAsync();
        using (cache)
        {
            Assert.True(await cache.RemoveAsync("k1")); // L3
            Assert.True(await cache.RemoveAsync("k3")); // L2
            Assert.True(await cache.RemoveAsync("k5")); // L1

            Assert.False(level3.Holds("k1"));
            CacheStatistics stats = cache.GetStatistics();
            Assert.Equal((1, 1, 1), (stats.L1Count, stats.L2Count, stats.L3Count));
            Assert.Null(await cache.GetAsync("k1"));
            Assert.Null(await cache.GetAsync("k3"));
            Assert.Null(await cache.GetAsync("k5"));
            Assert.Equal(CacheTestData.Named("k2"), await cache.GetAsync("k2"));
            Assert.Equal(CacheTestData.Named("k4"), await cache.GetAsync("k4"));
            Assert.Equal(CacheTestData.Named("k6"), await cache.GetAsync("k6"));

            Assert.False(await cache.RemoveAsync("k1"));
            Assert.False(await cache.RemoveAsync("never"));
        }
    }

    [Fact]
    public async Task RemoveAsync_removes_a_key_another_writer_put_in_level3()
    {
        IDistributedCache level3 = CacheTestData.NewDistributedCache();
        await level3.SetAsync("foreign", CacheTestData.Text("someone else's"));
        using var cache = new TieredCache(CacheTestData.Small(), level3, new FakeTimeProvider());

        Assert.False(await cache.RemoveAsync("foreign"));

        Assert.False(level3.Holds("foreign"));
    }

    [Fact]
    public async Task RemoveByTagAsync_removes_tagged_keys_from_every_level_and_returns_the_count()
    {
        (TieredCache cache, MemoryDistributedCache level3) = await SpreadAsync(key => new CacheEntryOptions
        {
            Tags = key[1] % 2 == 1 ? ["odd", "all"] : ["even", "all"],
        });
        using (cache)
        {
            Assert.Equal(3, await cache.RemoveByTagAsync("odd")); // k1 (L3), k3 (L2), k5 (L1)

            CacheStatistics stats = cache.GetStatistics();
            Assert.Equal((1, 1, 1), (stats.L1Count, stats.L2Count, stats.L3Count));
            Assert.False(level3.Holds("k1"));
            Assert.True(level3.Holds("k2"));
            Assert.Equal(0, await cache.RemoveByTagAsync("odd"));
            Assert.Equal(0, await cache.RemoveByTagAsync("no such tag"));

            Assert.Null(await cache.GetAsync("k1"));
            Assert.Null(await cache.GetAsync("k3"));
            Assert.Null(await cache.GetAsync("k5"));
            Assert.Equal(CacheTestData.Named("k2"), await cache.GetAsync("k2"));
            Assert.Equal(CacheTestData.Named("k4"), await cache.GetAsync("k4"));
            Assert.Equal(CacheTestData.Named("k6"), await cache.GetAsync("k6"));

            Assert.Equal(3, await cache.RemoveByTagAsync("all"));
            Assert.False(level3.Holds("k2"));
            stats = cache.GetStatistics();
            Assert.Equal((0, 0, 0), (stats.L1Count, stats.L2Count, stats.L3Count));
        }
    }

    [Fact]
    public async Task Tags_travel_with_an_entry_through_level3_and_back()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 1), level3, new FakeTimeProvider());
        await cache.SetAsync("a", CacheTestData.Named("a"), new CacheEntryOptions { Tags = ["t"] });
        await cache.SetAllAsync(CacheTestData.Named, "b", "c"); // a to L3
        Assert.NotNull(await cache.GetAsync("a")); // promoted from L3 to L1

        Assert.Equal(1, await cache.RemoveByTagAsync("t"));
        Assert.Null(await cache.GetAsync("a"));
    }

    [Fact]
    public async Task RemoveByPrefixAsync_removes_keys_starting_with_the_prefix_from_every_level()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 2, l2: 2, l3: 10, promotionThreshold: 5), level3, new FakeTimeProvider());
        // L3 = user:1, order:1; L2 = user:2, order:2; L1 = user:3, User:4.
        await cache.SetAllAsync(CacheTestData.Named, "user:1", "order:1", "user:2", "order:2", "user:3", "User:4");

        Assert.Equal(3, await cache.RemoveByPrefixAsync("user:"));

        Assert.False(level3.Holds("user:1"));
        Assert.True(level3.Holds("order:1"));
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.Null(await cache.GetAsync("user:1"));
        Assert.Null(await cache.GetAsync("user:2"));
        Assert.Null(await cache.GetAsync("user:3"));
        Assert.Equal(CacheTestData.Named("User:4"), await cache.GetAsync("User:4")); // ordinal: case matters
        Assert.Equal(CacheTestData.Named("order:1"), await cache.GetAsync("order:1"));
        Assert.Equal(CacheTestData.Named("order:2"), await cache.GetAsync("order:2"));
        Assert.Equal(0, await cache.RemoveByPrefixAsync("user:"));
    }

    [Fact]
    public async Task ClearAsync_empties_every_level_and_what_this_cache_put_in_level3()
    {
        (TieredCache cache, MemoryDistributedCache level3) = await SpreadAsync();
        using (cache)
        {
            await level3.SetAsync("foreign", CacheTestData.Text("someone else's"));

            await cache.ClearAsync();

            CacheStatistics stats = cache.GetStatistics();
            Assert.Equal((0, 0, 0), (stats.L1Count, stats.L2Count, stats.L3Count));
            Assert.Equal(0, stats.SizeBytes);
            Assert.False(level3.Holds("k1"));
            Assert.False(level3.Holds("k2"));
            Assert.True(level3.Holds("foreign")); // documented: only RemoveAsync reaches keys others wrote
            foreach (string key in new[] { "k1", "k2", "k3", "k4", "k5", "k6" })
            {
                Assert.Null(await cache.GetAsync(key));
            }

            Assert.Equal(6, cache.GetStatistics().Misses);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_removal_during_a_level3_read_of_the_same_key_is_not_undone_by_that_read(int promotionThreshold)
    {
        var level3 = new FlakyDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold), level3, new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c"); // a in L3
        Assert.True(level3.Inner.Holds("a"));

        level3.HoldReads = true;
        Task<byte[]?> read = cache.GetAsync("a").AsTask();
        await level3.ReadArrived.WaitAsync(Patience);
        Task<bool> remove = cache.RemoveAsync("a").AsTask();
        level3.ReleaseReads();

        // The read raced the removal: it may return the old value or nothing.
        byte[]? raced = await read.WaitAsync(Patience);
        Assert.True(raced is null || raced.SequenceEqual(CacheTestData.Named("a")));
        Assert.True(await remove.WaitAsync(Patience));

        // Once RemoveAsync has completed, the value is gone for good.
        Assert.Null(await cache.GetAsync("a"));
        Assert.False(level3.Inner.Holds("a"));
    }
}
