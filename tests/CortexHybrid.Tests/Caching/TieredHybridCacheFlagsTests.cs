using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Hybrid;

namespace CortexHybrid.Tests.Caching;

/// <summary>Each <see cref="HybridCacheEntryFlags"/> value's conservative meaning on the adapter.</summary>
public sealed class TieredHybridCacheFlagsTests
{
    public static TheoryData<HybridCacheEntryFlags> ReadFlags =>
    [
        HybridCacheEntryFlags.DisableLocalCacheRead,
        HybridCacheEntryFlags.DisableDistributedCacheRead,
        HybridCacheEntryFlags.DisableLocalCache,
        HybridCacheEntryFlags.DisableDistributedCache,
    ];

    public static TheoryData<HybridCacheEntryFlags> WriteFlags =>
    [
        HybridCacheEntryFlags.DisableLocalCacheWrite,
        HybridCacheEntryFlags.DisableDistributedCacheWrite,
    ];

    [Fact]
    public async Task Disable_underlying_data_never_runs_the_factory_and_a_miss_is_default()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData };

        Assert.Null(await hybrid.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>, options));
        Assert.Equal(0, await hybrid.GetOrCreateAsync("i", HybridTestKit.Unreachable<int>, options));
        Assert.Null(await cache.GetAsync("s"));

        await hybrid.SetAsync("s", "there");
        Assert.Equal("there", await hybrid.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>, options));
    }

    [Fact]
    public async Task Disable_underlying_data_reads_below_level_1()
    {
        using TieredCache cache = HybridTestKit.NewCache(l1: 1, l2: 10);
        var hybrid = new TieredHybridCache(cache);
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData };
        await hybrid.SetAsync("a", "A");
        await hybrid.SetAsync("b", "B"); // a to level 2

        Assert.Equal("A", await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>, options));
        Assert.Equal(1, cache.GetStatistics().L2Hits);
    }

    [Fact]
    public async Task Disable_underlying_data_with_a_read_flag_returns_default_without_reading()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("s", "there");

        string? value = await hybrid.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>,
            new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData | HybridCacheEntryFlags.DisableLocalCacheRead });

        Assert.Null(value);
        Assert.Equal("there", await hybrid.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>));
    }

    [Theory]
    [MemberData(nameof(ReadFlags))]
    public async Task A_read_flag_skips_the_cache_and_runs_the_factory(HybridCacheEntryFlags flags)
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("s", "old");
        bool writes = (flags & (HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite)) == 0;

        string value = await hybrid.GetOrCreateAsync("s", _ => ValueTask.FromResult("new"), new HybridCacheEntryOptions { Flags = flags });

        Assert.Equal("new", value);
        Assert.Equal(0, cache.GetStatistics().Requests); // the cache was not read
        Assert.Equal(writes ? "new" : "old", await hybrid.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>));
    }

    [Theory]
    [MemberData(nameof(WriteFlags))]
    public async Task A_write_flag_stores_nothing_but_still_reads(HybridCacheEntryFlags flags)
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        var options = new HybridCacheEntryOptions { Flags = flags };
        int runs = 0;

        Assert.Equal("made", await hybrid.GetOrCreateAsync("k", _ => { runs++; return ValueTask.FromResult("made"); }, options));
        Assert.Equal("made", await hybrid.GetOrCreateAsync("k", _ => { runs++; return ValueTask.FromResult("made"); }, options));
        Assert.Equal(2, runs);
        Assert.Null(await cache.GetAsync("k"));

        await hybrid.SetAsync("k", "stored");
        Assert.Equal("stored", await hybrid.GetOrCreateAsync("k", HybridTestKit.Unreachable<string>, options));
    }

    [Theory]
    [MemberData(nameof(WriteFlags))]
    public async Task Set_with_a_write_flag_stores_nothing_and_removes_the_old_value(HybridCacheEntryFlags flags)
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("k", "old");

        await hybrid.SetAsync("k", "new", new HybridCacheEntryOptions { Flags = flags });

        Assert.Null(await cache.GetAsync("k"));
    }

    [Fact]
    public async Task Disable_compression_changes_nothing_per_entry()
    {
        TieredCacheOptions options = CacheTestData.Small(l1: 1, l2: 10, l3: 0);
        using var cache = new TieredCache(options, timeProvider: new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        var hybrid = new TieredHybridCache(cache);
        string text = System.Text.Encoding.UTF8.GetString(CacheTestData.JsonLike(4000));

        await hybrid.SetAsync("a", text, new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableCompression });
        await hybrid.SetAsync("b", "pushes a to level 2");

        Assert.Equal(text, await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>));
        Assert.True(cache.GetStatistics().CompressionRatio > 1, "compression is TieredCacheOptions.EnableCompression, not a per-entry flag");
    }

    [Fact]
    public async Task The_default_entry_options_flags_apply_when_a_call_gives_none()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache, new TieredHybridCacheOptions
        {
            DefaultEntryOptions = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheWrite },
        });

        Assert.Equal("v", await hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult("v")));
        Assert.Null(await cache.GetAsync("k"));

        // A call's own flags (even None) replace the default's.
        Assert.Equal("v", await hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult("v"), new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.None }));
        Assert.NotNull(await cache.GetAsync("k"));
    }
}
