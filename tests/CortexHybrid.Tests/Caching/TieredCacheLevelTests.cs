using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheLevelTests
{
    [Fact]
    public async Task Least_recently_used_entries_move_down_from_L1_to_L2_to_L3()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 5), level3, new FakeTimeProvider());

        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c");

        // a: L1 -> L2 (when b came) -> L3 (when c pushed b into L2); b: L1 -> L2; c: L1.
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.L1Count);
        Assert.Equal(1, stats.L2Count);
        Assert.Equal(1, stats.L3Count);
        Assert.Equal(3, stats.Demotions);
        Assert.Equal(0, stats.Evictions);
        Assert.True(level3.Holds("a"));
        Assert.False(level3.Holds("b"));
        Assert.False(level3.Holds("c"));

        Assert.Equal(CacheTestData.Named("c"), await cache.GetAsync("c"));
        Assert.Equal(CacheTestData.Named("b"), await cache.GetAsync("b"));
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1, 0), (stats.L1Hits, stats.L2Hits, stats.L3Hits, stats.Misses));
    }

    [Fact]
    public async Task Reading_a_key_in_L1_refreshes_its_recency_so_the_other_key_is_demoted()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 2, l2: 10, l3: 0, promotionThreshold: 5), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b");

        Assert.NotNull(await cache.GetAsync("a"));
        await cache.SetAsync("c", CacheTestData.Named("c"));

        // b, not a, was least recently used when c arrived.
        Assert.Equal(1, cache.GetStatistics().L2Count);
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        Assert.Equal(2, cache.GetStatistics().L1Hits);
        Assert.Equal(CacheTestData.Named("b"), await cache.GetAsync("b"));
        Assert.Equal(1, cache.GetStatistics().L2Hits);
    }

    [Fact]
    public async Task Reading_a_key_in_L2_refreshes_its_recency_there()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 2, l3: 10, promotionThreshold: 5), level3, new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c"); // L2: a (older), b

        Assert.NotNull(await cache.GetAsync("a")); // L2 hit: a is now the more recent
        await cache.SetAsync("d", CacheTestData.Named("d")); // c comes down to L2, pushing b (not a) to L3

        Assert.True(level3.Holds("b"));
        Assert.False(level3.Holds("a"));
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        Assert.Equal(2, cache.GetStatistics().L2Hits);
    }

    [Fact]
    public async Task L2_entries_are_promoted_back_to_L1_after_PromotionThreshold_reads()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0, promotionThreshold: 3), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b"); // a in L2

        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(0, stats.Promotions);
        Assert.Equal(1, stats.L2Count);

        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a")); // third read: promoted, b demoted
        stats = cache.GetStatistics();
        Assert.Equal(1, stats.Promotions);
        Assert.Equal(2, stats.Demotions);
        Assert.Equal(1, stats.L1Count);
        Assert.Equal(1, stats.L2Count);

        long l1HitsBefore = stats.L1Hits;
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        Assert.Equal(l1HitsBefore + 1, cache.GetStatistics().L1Hits);
    }

    [Fact]
    public async Task L3_entries_are_promoted_back_to_L1_after_PromotionThreshold_reads_and_leave_L3()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 2), level3, new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c"); // a in L3

        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        Assert.Equal(0, cache.GetStatistics().Promotions);
        Assert.True(level3.Holds("a"));

        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Promotions);
        Assert.Equal(2, stats.L3Hits);
        Assert.False(level3.Holds("a"));

        // a in L1 pushed c to L2, which pushed b to L3.
        Assert.Equal((1, 1, 1), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.True(level3.Holds("b"));
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        Assert.Equal(1, cache.GetStatistics().L1Hits);
    }

    [Fact]
    public async Task The_read_that_promotes_from_L2_counts_as_an_L2_hit()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0, promotionThreshold: 2), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b"); // a in L2

        Assert.NotNull(await cache.GetAsync("a")); // L2, first read
        Assert.NotNull(await cache.GetAsync("a")); // L2, second read: served from L2, then promoted
        Assert.NotNull(await cache.GetAsync("a")); // L1

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Promotions);
        Assert.Equal(2, stats.L2Hits);
        Assert.Equal(1, stats.L1Hits);
        Assert.Equal(((1.0 * 1) + (0.8 * 2)) / 3, stats.Efficiency, 12);
    }

    [Fact]
    public async Task With_PromotionThreshold_1_the_first_L2_read_promotes_and_counts_as_an_L2_hit()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0, promotionThreshold: 1), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b");

        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Promotions);
        Assert.Equal(1, stats.L2Hits);
        Assert.Equal(0, stats.L1Hits);
    }

    [Fact]
    public async Task Statistics_match_a_scenario_across_all_three_levels()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 2, l2: 2, l3: 10, promotionThreshold: 2), level3, new FakeTimeProvider());

        // Six 100-byte incompressible values: L1 = e, f; L2 = c, d; L3 = a, b; six moves down.
        await cache.SetAllAsync(CacheTestData.Value100, "a", "b", "c", "d", "e", "f");
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((2, 2, 2), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.Equal(6, stats.Demotions);
        Assert.Equal(400, stats.SizeBytes);
        Assert.Equal(1.0, stats.CompressionRatio);
        Assert.Equal(0, stats.Requests);
        Assert.Equal(0, stats.HitRate);
        Assert.Equal(0, stats.L1HitRate);
        Assert.Equal(0, stats.Efficiency);

        Assert.Equal(CacheTestData.Value100("f"), await cache.GetAsync("f")); // L1
        Assert.Equal(CacheTestData.Value100("e"), await cache.GetAsync("e")); // L1; f is now L1's least recent
        Assert.Equal(CacheTestData.Value100("c"), await cache.GetAsync("c")); // L2, first read; c now L2's most recent
        Assert.Equal(CacheTestData.Value100("a"), await cache.GetAsync("a")); // L3, first read
        Assert.Null(await cache.GetAsync("z"));                                 // miss
        Assert.Equal(CacheTestData.Value100("a"), await cache.GetAsync("a")); // L3, second read: promoted;
                                                                                // f to L2, d (L2's least recent) to L3

        stats = cache.GetStatistics();
        Assert.Equal(2, stats.L1Hits);
        Assert.Equal(1, stats.L2Hits);
        Assert.Equal(2, stats.L3Hits);
        Assert.Equal(1, stats.Misses);
        Assert.Equal(6, stats.Requests);
        Assert.Equal(stats.Requests, stats.L1Hits + stats.L2Hits + stats.L3Hits + stats.Misses);
        Assert.Equal(1, stats.Promotions);
        Assert.Equal(8, stats.Demotions);
        Assert.Equal(0, stats.Evictions);
        Assert.Equal(0, stats.Expirations);
        Assert.Equal(0, stats.Rejections);
        Assert.Equal(0, stats.Level3Errors);
        Assert.Equal((2, 2, 2), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.Equal(400, stats.SizeBytes);
        Assert.Equal(1.0, stats.CompressionRatio);
        Assert.Equal(5.0 / 6, stats.HitRate, 12);
        Assert.Equal(2.0 / 6, stats.L1HitRate, 12);
        Assert.Equal(4.0 / 6, stats.Efficiency, 12); // (2 * 1.0 + 1 * 0.8 + 2 * 0.6) / 6

        // Where everything is now: L1 = e, a; L2 = c, f; L3 = b, d.
        Assert.False(level3.Holds("a"));
        Assert.True(level3.Holds("b"));
        Assert.True(level3.Holds("d"));
        Assert.NotNull(await cache.GetAsync("e"));
        Assert.NotNull(await cache.GetAsync("f"));
        Assert.NotNull(await cache.GetAsync("b"));
        stats = cache.GetStatistics();
        Assert.Equal((3, 2, 3, 1), (stats.L1Hits, stats.L2Hits, stats.L3Hits, stats.Misses));
    }

    [Fact]
    public async Task L1MaxBytes_demotes_least_recently_used_entries_to_stay_within_the_byte_budget()
    {
        var options = CacheTestData.Small(l1: 100, l2: 10, l3: 0);
        options.L1MaxBytes = 250;
        using var cache = new TieredCache(options, timeProvider: new FakeTimeProvider());

        await cache.SetAllAsync(CacheTestData.Value100, "a", "b");
        Assert.Equal((2, 0), (cache.GetStatistics().L1Count, cache.GetStatistics().L2Count));

        await cache.SetAsync("c", CacheTestData.Value100("c")); // 300 bytes > 250: a moves down
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((2, 1), (stats.L1Count, stats.L2Count));
        Assert.Equal(300, stats.SizeBytes);
        Assert.Equal(CacheTestData.Value100("a"), await cache.GetAsync("a"));
        Assert.Equal(1, cache.GetStatistics().L2Hits);
    }

    [Fact]
    public async Task L2MaxBytes_moves_least_recently_used_entries_to_L3_to_stay_within_the_byte_budget()
    {
        var level3 = CacheTestData.NewDistributedCache();
        var options = CacheTestData.Small(l1: 1, l2: 100, l3: 10, promotionThreshold: 5);
        options.L2MaxBytes = 250;
        using var cache = new TieredCache(options, level3, new FakeTimeProvider());

        await cache.SetAllAsync(CacheTestData.Value100, "a", "b", "c", "d"); // L2 would hold a, b, c: 300 bytes

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 2, 1), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.True(level3.Holds("a"));
        Assert.Equal(300, stats.SizeBytes);
    }

    [Fact]
    public async Task With_L2Capacity_0_L1_victims_go_straight_to_L3()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 0, l3: 10), level3, new FakeTimeProvider());

        await cache.SetAsync("a", CacheTestData.JsonLike(1000));
        await cache.SetAsync("b", CacheTestData.JsonLike(10));

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 0, 1), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.True(level3.Holds("a"));
        Assert.Equal(CacheTestData.JsonLike(1000), await cache.GetAsync("a"));
        Assert.Equal(1, cache.GetStatistics().L3Hits);
    }

    [Fact]
    public async Task With_L3Capacity_0_L2_victims_are_evicted_and_the_given_level3_is_never_used()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 0), level3, new FakeTimeProvider());

        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c");

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Evictions);
        Assert.Equal(2, stats.Demotions);
        Assert.Equal((1, 1, 0), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.False(level3.Holds("a"));
        Assert.Null(await cache.GetAsync("a"));
        Assert.Equal(1, cache.GetStatistics().Misses);
    }

    [Fact]
    public async Task With_L2_and_L3_off_L1_victims_are_evicted()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 2, l2: 0, l3: 0), timeProvider: new FakeTimeProvider());

        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c");

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.Evictions);
        Assert.Equal(0, stats.Demotions);
        Assert.Equal((2, 0, 0), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.Null(await cache.GetAsync("a"));
        Assert.Equal(CacheTestData.Named("b"), await cache.GetAsync("b"));
    }

    [Fact]
    public async Task L3Capacity_bounds_the_keys_kept_in_L3_and_evicts_its_least_recently_used()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 2), level3, new FakeTimeProvider());

        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c", "d", "e"); // a, b, c reach L3, one too many

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(2, stats.L3Count);
        Assert.Equal(1, stats.Evictions);
        Assert.Equal(7, stats.Demotions); // a, b, c, d into L2; a, b, c into L3
        Assert.False(level3.Holds("a"));
        Assert.True(level3.Holds("b"));
        Assert.True(level3.Holds("c"));
        Assert.Null(await cache.GetAsync("a"));
        Assert.Equal(CacheTestData.Named("b"), await cache.GetAsync("b"));
    }

    [Fact]
    public async Task Setting_a_key_replaces_it_at_every_level_so_each_key_is_at_one_level()
    {
        var level3 = CacheTestData.NewDistributedCache();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10), level3, new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c"); // L1 c, L2 b, L3 a

        byte[] newA = CacheTestData.Text("new a");
        await cache.SetAsync("a", newA); // a leaves L3; c to L2, b to L3

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1), (stats.L1Count, stats.L2Count, stats.L3Count));
        Assert.False(level3.Holds("a"));
        Assert.True(level3.Holds("b"));

        byte[] newC = CacheTestData.Text("new c");
        await cache.SetAsync("c", newC); // c leaves L2; a to L2
        stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1), (stats.L1Count, stats.L2Count, stats.L3Count));

        Assert.Equal(newC, await cache.GetAsync("c"));
        Assert.Equal(newA, await cache.GetAsync("a"));
        Assert.Equal(CacheTestData.Named("b"), await cache.GetAsync("b"));
        stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1, 0), (stats.L1Hits, stats.L2Hits, stats.L3Hits, stats.Misses));
    }

    [Fact]
    public async Task Options_are_copied_so_changing_them_after_construction_changes_nothing()
    {
        TieredCacheOptions options = CacheTestData.Small(l1: 2, l2: 0, l3: 0);
        using var cache = new TieredCache(options, timeProvider: new FakeTimeProvider());
        options.L1Capacity = 100;

        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c");

        Assert.Equal(2, cache.GetStatistics().L1Count);
        Assert.Equal(1, cache.GetStatistics().Evictions);
    }

    [Fact]
    public async Task The_default_level3_is_an_in_memory_distributed_cache()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c");

        Assert.Equal(1, cache.GetStatistics().L3Count);
        Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
        Assert.Equal(1, cache.GetStatistics().L3Hits);
    }

    [Fact]
    public async Task A_key_written_to_level3_by_someone_else_in_another_format_is_a_miss()
    {
        IDistributedCache level3 = CacheTestData.NewDistributedCache();
        await level3.SetAsync("foreign", CacheTestData.Text("not an envelope"));
        using var cache = new TieredCache(CacheTestData.Small(), level3, new FakeTimeProvider());

        Assert.Null(await cache.GetAsync("foreign"));
        Assert.Equal(1, cache.GetStatistics().Misses);
    }
}
