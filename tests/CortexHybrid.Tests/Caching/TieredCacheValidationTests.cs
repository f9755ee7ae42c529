using CortexHybrid.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheValidationTests
{
    public static TheoryData<string, Action<TieredCacheOptions>> InvalidOptions => new()
    {
        { nameof(TieredCacheOptions.L1Capacity), o => o.L1Capacity = 0 },
        { nameof(TieredCacheOptions.L1Capacity), o => o.L1Capacity = -5 },
        { nameof(TieredCacheOptions.L2Capacity), o => o.L2Capacity = -1 },
        { nameof(TieredCacheOptions.L3Capacity), o => o.L3Capacity = -1 },
        { nameof(TieredCacheOptions.PromotionThreshold), o => o.PromotionThreshold = 0 },
        { nameof(TieredCacheOptions.MaxEntrySizeBytes), o => o.MaxEntrySizeBytes = 0 },
        { nameof(TieredCacheOptions.L1MaxBytes), o => o.L1MaxBytes = 0 },
        { nameof(TieredCacheOptions.L2MaxBytes), o => o.L2MaxBytes = -1 },
        { nameof(TieredCacheOptions.DefaultTtl), o => o.DefaultTtl = TimeSpan.Zero },
        { nameof(TieredCacheOptions.DefaultTtl), o => o.DefaultTtl = TimeSpan.FromSeconds(-1) },
        { nameof(TieredCacheOptions.Level3Timeout), o => o.Level3Timeout = TimeSpan.Zero },
        { nameof(TieredCacheOptions.Level1Policy), o => o.Level1Policy = (CachePolicy)7 },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void An_option_out_of_range_throws_ArgumentOutOfRangeException_naming_it(string option, Action<TieredCacheOptions> spoil)
    {
        var options = new TieredCacheOptions();
        spoil(options);

        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>(() => new TieredCache(options));
        Assert.Equal(option, exception.ParamName);
    }

    [Fact]
    public void Boundary_options_are_accepted()
    {
        var options = new TieredCacheOptions
        {
            L1Capacity = 1,
            L2Capacity = 0,
            L3Capacity = 0,
            PromotionThreshold = 1,
            MaxEntrySizeBytes = 1,
            L1MaxBytes = 1,
            L2MaxBytes = 1,
            DefaultTtl = TimeSpan.FromTicks(1),
            Level3Timeout = Timeout.InfiniteTimeSpan,
        };

        using var cache = new TieredCache(options);
        Assert.Equal(0, cache.GetStatistics().Requests);
    }

    [Fact]
    public void Null_options_throw_ArgumentNullException() =>
        Assert.Throws<ArgumentNullException>(() => new TieredCache(null!));

    [Fact]
    public void A_blank_name_throws_ArgumentException_naming_it()
    {
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => new TieredCache(new TieredCacheOptions { Name = " " }));
        Assert.Equal(nameof(TieredCacheOptions.Name), exception.ParamName);
    }

    [Fact]
    public async Task A_null_key_throws_ArgumentNullException_from_every_keyed_call()
    {
        using var cache = new TieredCache(CacheTestData.Small(), timeProvider: new FakeTimeProvider());
        string key = null!;

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await cache.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await cache.SetAsync(key, new byte[1]));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await cache.RemoveAsync(key));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(new byte[1])));
    }

    [Fact]
    public async Task An_empty_or_too_long_key_throws_ArgumentException()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: new FakeTimeProvider());
        string tooLong = new('k', TieredCache.MaxKeyLength + 1);

        foreach (string key in new[] { string.Empty, tooLong })
        {
            await Assert.ThrowsAsync<ArgumentException>(async () => await cache.GetAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(async () => await cache.SetAsync(key, new byte[1]));
            await Assert.ThrowsAsync<ArgumentException>(async () => await cache.RemoveAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(async () => await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(new byte[1])));
        }

        // The longest key is fine.
        string longest = new('k', TieredCache.MaxKeyLength);
        await cache.SetAsync(longest, new byte[] { 7 });
        Assert.Equal(new byte[] { 7 }, await cache.GetAsync(longest));
    }

    [Fact]
    public async Task A_value_over_MaxEntrySizeBytes_throws_ArgumentException_giving_both_sizes()
    {
        TieredCacheOptions options = CacheTestData.Small();
        options.MaxEntrySizeBytes = 500;
        using var cache = new TieredCache(options, timeProvider: new FakeTimeProvider());

        ArgumentException exception = await Assert.ThrowsAsync<ArgumentException>(async () => await cache.SetAsync("a", new byte[501]));
        Assert.Contains("501", exception.Message, StringComparison.Ordinal);
        Assert.Contains("500", exception.Message, StringComparison.Ordinal);
        Assert.Null(await cache.GetAsync("a"));

        await cache.SetAsync("a", new byte[500]); // exactly the limit is accepted
        Assert.Equal(500, (await cache.GetAsync("a"))?.Length);
    }

    [Fact]
    public async Task An_empty_tag_throws_ArgumentException()
    {
        using var cache = new TieredCache(CacheTestData.Small(), timeProvider: new FakeTimeProvider());

        await Assert.ThrowsAsync<ArgumentException>(async () => await cache.SetAsync("a", new byte[1], new CacheEntryOptions { Tags = [string.Empty] }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await cache.RemoveByTagAsync(string.Empty));
        await Assert.ThrowsAsync<ArgumentException>(async () => await cache.RemoveByPrefixAsync(string.Empty));
    }

    [Fact]
    public async Task After_Dispose_every_call_throws_ObjectDisposedException()
    {
        var cache = new TieredCache(CacheTestData.Small(), timeProvider: new FakeTimeProvider());
        await cache.SetAsync("a", new byte[1]);
        cache.Dispose();
        cache.Dispose(); // a second Dispose is harmless

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await cache.GetAsync("a"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await cache.SetAsync("a", new byte[1]));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await cache.RemoveAsync("a"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult(new byte[1])));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await cache.RemoveByTagAsync("t"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await cache.RemoveByPrefixAsync("a"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await cache.ClearAsync());
    }
}
