using CortexHybrid.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheLevel3FailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public enum Removal
    {
        Key,
        Tag,
        Prefix,
        Clear,
    }

    /// <summary>A cache over a flaky level 3 holding "a" (tagged "t"); L2 holds b, L1 c.</summary>
    private static async Task<(TieredCache Cache, FlakyDistributedCache Level3, FakeTimeProvider Time)> CreateAsync(Action<TieredCacheOptions>? configure = null)
    {
        var time = new FakeTimeProvider();
        var level3 = new FlakyDistributedCache();
        TieredCacheOptions options = CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 5);
        configure?.Invoke(options);
        var cache = new TieredCache(options, level3, time);
        await cache.SetAsync("a", CacheTestData.Named("a"), new CacheEntryOptions { Tags = ["t"] });
        await cache.SetAllAsync(CacheTestData.Named, "b", "c");
        Assert.True(level3.Inner.Holds("a"));
        return (cache, level3, time);
    }

    [Fact]
    public async Task While_level3_throws_no_call_fails_and_values_come_from_L1_L2_or_the_factory()
    {
        (TieredCache cache, FlakyDistributedCache level3, _) = await CreateAsync();
        using (cache)
        {
            level3.Failing = true;

            Assert.Null(await cache.GetAsync("a")); // level 3 fails: served as a miss
            Assert.Equal(CacheTestData.Named("c"), await cache.GetAsync("c"));
            Assert.Equal(CacheTestData.Named("b"), await cache.GetAsync("b"));
            await cache.SetAsync("d", CacheTestData.Named("d")); // c to L2, b towards L3: dropped
            Assert.Equal(CacheTestData.Text("made"), await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult(CacheTestData.Text("made"))));
            Assert.Equal(CacheTestData.Text("made"), await cache.GetAsync("a"));
            Assert.Null(await cache.GetAsync("b"));
            Assert.True(await cache.RemoveAsync("d"));
            await cache.ClearAsync();

            CacheStatistics stats = cache.GetStatistics();
            Assert.Equal(1, stats.Level3Errors); // after the first failure level 3 rests for Level3RetryDelay
            Assert.Equal(0, stats.L3Hits);
            Assert.Equal((2, 1, 3), (stats.L1Hits, stats.L2Hits, stats.Misses));
            Assert.Equal(stats.Requests, stats.L1Hits + stats.L2Hits + stats.L3Hits + stats.Misses);
        }
    }

    [Fact]
    public async Task Level3_is_used_again_once_it_recovers_and_Level3RetryDelay_has_passed()
    {
        (TieredCache cache, FlakyDistributedCache level3, FakeTimeProvider time) = await CreateAsync();
        using (cache)
        {
            level3.Failing = true;
            Assert.Null(await cache.GetAsync("absent"));
            Assert.Equal(1, cache.GetStatistics().Level3Errors);
            level3.Failing = false;

            time.Advance(TieredCache.Level3RetryDelay - TimeSpan.FromTicks(1));
            int calls = level3.Calls;
            Assert.Null(await cache.GetAsync("a")); // level 3 still resting: not asked
            await cache.SetAsync("d", CacheTestData.Named("d")); // b towards L3: not written
            Assert.Equal(calls, level3.Calls);
            Assert.False(level3.Inner.Holds("b"));

            time.Advance(TimeSpan.FromTicks(1));
            Assert.Equal(CacheTestData.Named("a"), await cache.GetAsync("a"));
            await cache.SetAsync("e", CacheTestData.Named("e")); // d to L2 pushes c to L3
            Assert.True(level3.Inner.Holds("c"));
            Assert.Equal(CacheTestData.Named("c"), await cache.GetAsync("c"));

            CacheStatistics stats = cache.GetStatistics();
            Assert.Equal(1, stats.Level3Errors);
            Assert.Equal(2, stats.L3Hits);
        }
    }

    [Fact]
    public async Task A_level3_that_hangs_past_Level3Timeout_fails_the_level3_call_not_the_cache_call()
    {
        (TieredCache cache, FlakyDistributedCache level3, FakeTimeProvider time) = await CreateAsync(o => o.Level3Timeout = TimeSpan.FromSeconds(2));
        using (cache)
        {
            level3.Hanging = true;

            Task<byte[]?> read = cache.GetAsync("a").AsTask();
            Assert.False(read.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(2));
            Assert.Null(await read.WaitAsync(Patience));
            Assert.Equal(1, cache.GetStatistics().Level3Errors);

            // Past the retry delay a write to level 3 is tried again, and hangs too.
            time.Advance(TieredCache.Level3RetryDelay);
            Task write = cache.SetAsync("d", CacheTestData.Named("d")).AsTask(); // b towards L3
            Assert.False(write.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(2));
            await write.WaitAsync(Patience);

            Assert.Equal(2, cache.GetStatistics().Level3Errors);
            Assert.Equal(CacheTestData.Named("d"), await cache.GetAsync("d"));
            Assert.Equal(CacheTestData.Named("c"), await cache.GetAsync("c"));
        }
    }

    [Theory]
    [InlineData(Removal.Key)]
    [InlineData(Removal.Tag)]
    [InlineData(Removal.Prefix)]
    [InlineData(Removal.Clear)]
    public async Task A_removal_that_failed_while_level3_was_down_does_not_let_the_old_value_back(Removal removal)
    {
        (TieredCache cache, FlakyDistributedCache level3, FakeTimeProvider time) = await CreateAsync();
        using (cache)
        {
            level3.Failing = true;
            switch (removal)
            {
                case Removal.Key:
                    Assert.True(await cache.RemoveAsync("a"));
                    break;
                case Removal.Tag:
                    Assert.Equal(1, await cache.RemoveByTagAsync("t"));
                    break;
                case Removal.Prefix:
                    Assert.Equal(1, await cache.RemoveByPrefixAsync("a"));
                    break;
                case Removal.Clear:
                    await cache.ClearAsync();
                    break;
            }

            Assert.Equal(1, cache.GetStatistics().Level3Errors);
            Assert.True(level3.Inner.Holds("a")); // the removal did not reach level 3

            level3.Failing = false;
            time.Advance(TieredCache.Level3RetryDelay);

            Assert.Null(await cache.GetAsync("a"));
            Assert.Null(await cache.GetAsync("a"));
            Assert.False(level3.Inner.Holds("a"));
            Assert.Equal(0, cache.GetStatistics().L3Hits);
        }
    }

    [Fact]
    public async Task A_removal_that_failed_is_retried_once_level3_answers_again()
    {
        (TieredCache cache, FlakyDistributedCache level3, FakeTimeProvider time) = await CreateAsync();
        using (cache)
        {
            level3.Failing = true;
            Assert.True(await cache.RemoveAsync("a"));
            level3.Failing = false;
            time.Advance(TieredCache.Level3RetryDelay);

            // Any later level 3 work (here: b pushed to L3) also retries the removal, without a read of "a".
            await cache.SetAsync("d", CacheTestData.Named("d"));

            Assert.True(level3.Inner.Holds("b"));
            Assert.False(level3.Inner.Holds("a"));
        }
    }

    [Fact]
    public async Task A_failed_level3_read_does_not_make_the_cache_forget_the_key_is_in_level3()
    {
        (TieredCache cache, FlakyDistributedCache level3, FakeTimeProvider time) = await CreateAsync();
        using (cache)
        {
            level3.Failing = true;
            Assert.Null(await cache.GetAsync("a")); // fails: level 3 still holds a
            level3.Failing = false;
            time.Advance(TieredCache.Level3RetryDelay);

            int removed = await cache.RemoveByTagAsync("t");
            byte[]? afterRemoval = await cache.GetAsync("a");

            Assert.Null(afterRemoval); // a tag invalidation must reach a
            Assert.Equal(1, removed);
        }
    }

    [Fact]
    public async Task A_failed_level3_read_leaves_L3Count_unchanged()
    {
        (TieredCache cache, FlakyDistributedCache level3, _) = await CreateAsync();
        using (cache)
        {
            Assert.Equal(1, cache.GetStatistics().L3Count);
            level3.Failing = true;

            Assert.Null(await cache.GetAsync("a"));

            Assert.True(level3.Inner.Holds("a"));
            Assert.Equal(1, cache.GetStatistics().L3Count);
        }
    }
}
