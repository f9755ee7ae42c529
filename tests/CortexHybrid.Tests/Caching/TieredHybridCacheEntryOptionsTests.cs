using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

/// <summary>Expiration, tags and removal through the adapter.</summary>
public sealed class TieredHybridCacheEntryOptionsTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task The_calls_expiration_is_the_time_to_live()
    {
        var time = new FakeTimeProvider();
        using TieredCache cache = HybridTestKit.NewCache(time: time);
        var hybrid = new TieredHybridCache(cache, new TieredHybridCacheOptions { DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(5) } });
        var oneMinute = new HybridCacheEntryOptions { Expiration = Minute };

        await hybrid.GetOrCreateAsync("a", _ => ValueTask.FromResult("A"), oneMinute);
        await hybrid.SetAsync("b", "B", oneMinute);
        time.Advance(Minute - TimeSpan.FromTicks(1));
        Assert.Equal("A", await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>));
        Assert.Equal("B", await hybrid.GetOrCreateAsync("b", HybridTestKit.Unreachable<string>));

        time.Advance(TimeSpan.FromTicks(1));
        var cacheOnly = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData };
        Assert.Null(await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>, cacheOnly));
        Assert.Null(await cache.GetAsync("b"));
    }

    [Fact]
    public async Task Without_one_the_default_entry_options_expiration_applies()
    {
        var time = new FakeTimeProvider();
        using TieredCache cache = HybridTestKit.NewCache(time: time);
        var hybrid = new TieredHybridCache(cache, new TieredHybridCacheOptions { DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = Minute } });

        await hybrid.GetOrCreateAsync("a", _ => ValueTask.FromResult("A"));
        await hybrid.SetAsync("b", "B", new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.None }); // no expiration: the default's
        await hybrid.SetAsync("c", "C", tags: ["t"]);
        time.Advance(Minute - TimeSpan.FromTicks(1));
        Assert.Equal(3, cache.GetStatistics().L1Count);
        Assert.NotNull(await cache.GetAsync("a"));

        time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(await cache.GetAsync("a"));
        Assert.Null(await cache.GetAsync("b"));
        Assert.Null(await cache.GetAsync("c"));
    }

    [Fact]
    public async Task Without_any_the_caches_default_ttl_applies()
    {
        var time = new FakeTimeProvider();
        TieredCacheOptions options = CacheTestData.Small(l1: 10);
        options.DefaultTtl = TimeSpan.FromMinutes(7);
        using var cache = new TieredCache(options, timeProvider: time);
        var hybrid = new TieredHybridCache(cache);

        await hybrid.SetAsync("a", "A");
        time.Advance(TimeSpan.FromMinutes(7) - TimeSpan.FromTicks(1));
        Assert.Equal("A", await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(await cache.GetAsync("a"));
    }

    [Fact]
    public async Task Local_cache_expiration_is_not_a_separate_lifetime()
    {
        var time = new FakeTimeProvider();
        using TieredCache cache = HybridTestKit.NewCache(time: time);
        var hybrid = new TieredHybridCache(cache);

        await hybrid.SetAsync("a", "A", new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(10), LocalCacheExpiration = Minute });
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("A", await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>));
    }

    [Fact]
    public async Task Tagged_entries_are_removed_by_tag()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.GetOrCreateAsync("a", _ => ValueTask.FromResult("A"), tags: ["red", "round"]);
        await hybrid.SetAsync("b", "B", tags: new HashSet<string> { "red" });
        await hybrid.SetAsync("c", "C", tags: Enumerable.Repeat("blue", 1));
        await hybrid.SetAsync("d", "D");

        await hybrid.RemoveByTagAsync("red");

        Assert.Null(await cache.GetAsync("a"));
        Assert.Null(await cache.GetAsync("b"));
        Assert.NotNull(await cache.GetAsync("c"));
        Assert.NotNull(await cache.GetAsync("d"));

        await hybrid.RemoveByTagAsync(["blue", "none"]);
        Assert.Null(await cache.GetAsync("c"));
        Assert.NotNull(await cache.GetAsync("d"));
    }

    [Fact]
    public async Task The_wildcard_tag_removes_everything_even_untagged_entries()
    {
        using TieredCache cache = HybridTestKit.NewCache(l1: 1, l2: 1, l3: 10);
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("a", "A", tags: ["t"]);
        await hybrid.SetAsync("b", "B");
        await hybrid.SetAsync("c", "C"); // a in level 3, b in level 2, c in level 1

        await hybrid.RemoveByTagAsync("*");

        Assert.Null(await cache.GetAsync("a"));
        Assert.Null(await cache.GetAsync("b"));
        Assert.Null(await cache.GetAsync("c"));
        Assert.Equal((0, 0, 0), (cache.GetStatistics().L1Count, cache.GetStatistics().L2Count, cache.GetStatistics().L3Count));

        await hybrid.SetAsync("d", "D");
        await hybrid.RemoveByTagAsync(["x", "*"]);
        Assert.Null(await cache.GetAsync("d"));
    }

    [Fact]
    public async Task An_entry_cannot_carry_the_wildcard_or_a_blank_tag()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        int runs = 0;
        ValueTask<string> Factory(CancellationToken token)
        {
            runs++;
            return ValueTask.FromResult("v");
        }

        await Assert.ThrowsAsync<ArgumentException>("tags", async () => await hybrid.SetAsync("k", "v", tags: ["*"]));
        await Assert.ThrowsAsync<ArgumentException>("tags", async () => await hybrid.SetAsync("k", "v", tags: [" "]));
        await Assert.ThrowsAsync<ArgumentException>("tags", async () => await hybrid.GetOrCreateAsync("k", Factory, tags: ["ok", null!]));
        await Assert.ThrowsAsync<ArgumentException>("tags", async () => await hybrid.GetOrCreateAsync("k", Factory, tags: ["*"]));

        Assert.Equal(0, runs); // checked before the factory
        Assert.Null(await cache.GetAsync("k"));
    }

    [Fact]
    public async Task Removing_by_a_blank_or_null_tag_removes_nothing()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("a", "A", tags: ["t"]);

        await hybrid.RemoveByTagAsync("");
        await hybrid.RemoveByTagAsync(" ");
        await hybrid.RemoveByTagAsync((string)null!);
        await hybrid.RemoveByTagAsync((IEnumerable<string>)null!);
        await hybrid.RemoveByTagAsync(Array.Empty<string>());

        Assert.NotNull(await cache.GetAsync("a"));
    }

    [Fact]
    public async Task Keys_are_removed_one_or_many_and_null_keys_remove_nothing()
    {
        using TieredCache cache = HybridTestKit.NewCache(l1: 1, l2: 1, l3: 10);
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("a", "A");
        await hybrid.SetAsync("b", "B");
        await hybrid.SetAsync("c", "C");
        await hybrid.SetAsync("d", "D");

        await hybrid.RemoveAsync((IEnumerable<string>)null!);
        Assert.Equal(4, cache.GetStatistics() is { } s ? s.L1Count + s.L2Count + s.L3Count : 0);

        await hybrid.RemoveAsync("d");
        await hybrid.RemoveAsync(new List<string> { "a", "b" });
        await hybrid.RemoveAsync(Enumerable.Empty<string>());

        Assert.Null(await cache.GetAsync("a"));
        Assert.Null(await cache.GetAsync("b"));
        Assert.Null(await cache.GetAsync("d"));
        Assert.Equal("C", await hybrid.GetOrCreateAsync("c", HybridTestKit.Unreachable<string>));
    }
}
