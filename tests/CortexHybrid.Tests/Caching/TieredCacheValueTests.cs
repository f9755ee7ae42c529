using CortexHybrid.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheValueTests
{
    public enum Payload
    {
        Json,
        Random,
    }

    public enum Level
    {
        L1,
        L2,
        L3,
    }

    public static TheoryData<int, Payload, Level> RoundTrips()
    {
        var data = new TheoryData<int, Payload, Level>();
        foreach (int size in CacheTestData.Sizes)
        {
            foreach (Payload payload in Enum.GetValues<Payload>())
            {
                foreach (Level level in Enum.GetValues<Level>())
                {
                    data.Add(size, payload, level);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public async Task Values_round_trip_byte_for_byte_at_every_level(int size, Payload payload, Level level)
    {
        byte[] value = payload == Payload.Json ? CacheTestData.JsonLike(size) : CacheTestData.RandomBytes(size, seed: size);
        byte[] expected = value.ToArray();
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 5), timeProvider: new FakeTimeProvider());

        await cache.SetAsync("key", value);
        int fillers = (int)level; // each filler pushes "key" one level down
        for (int i = 0; i < fillers; i++)
        {
            await cache.SetAsync($"filler{i}", CacheTestData.Named($"filler{i}"));
        }

        byte[]? read = await cache.GetAsync("key");

        Assert.NotNull(read);
        Assert.Equal(expected, read);
        CacheStatistics stats = cache.GetStatistics();
        long hitsAtLevel = level switch
        {
            Level.L1 => stats.L1Hits,
            Level.L2 => stats.L2Hits,
            _ => stats.L3Hits,
        };
        Assert.Equal(1, hitsAtLevel);
        Assert.Equal(1, stats.Requests);
    }

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public async Task Values_round_trip_byte_for_byte_when_promoted_back_to_L1(int size, Payload payload, Level level)
    {
        byte[] value = payload == Payload.Json ? CacheTestData.JsonLike(size) : CacheTestData.RandomBytes(size, seed: size + 1);
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 1), timeProvider: new FakeTimeProvider());

        await cache.SetAsync("key", value);
        for (int i = 0; i < (int)level; i++)
        {
            await cache.SetAsync($"filler{i}", CacheTestData.Named($"filler{i}"));
        }

        Assert.Equal(value, await cache.GetAsync("key")); // promoted if below L1
        Assert.Equal(value, await cache.GetAsync("key")); // from L1
        Assert.Equal(level == Level.L1 ? 0 : 1, cache.GetStatistics().Promotions);
    }

    [Fact]
    public async Task SetAsync_copies_the_value_so_later_changes_to_the_callers_array_do_not_show()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 5), timeProvider: new FakeTimeProvider());
        byte[] inL1 = [1, 2, 3];
        byte[] inL2 = CacheTestData.JsonLike(1000);
        byte[] inL3 = CacheTestData.RandomBytes(200, seed: 3);
        byte[] l2Original = inL2.ToArray();
        byte[] l3Original = inL3.ToArray();

        await cache.SetAsync("l3", inL3);
        await cache.SetAsync("l2", inL2);
        await cache.SetAsync("l1", inL1);
        Array.Fill(inL1, (byte)0xFF);
        Array.Fill(inL2, (byte)0xFF);
        Array.Fill(inL3, (byte)0xFF);

        Assert.Equal(new byte[] { 1, 2, 3 }, await cache.GetAsync("l1"));
        Assert.Equal(l2Original, await cache.GetAsync("l2"));
        Assert.Equal(l3Original, await cache.GetAsync("l3"));
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1), (stats.L1Hits, stats.L2Hits, stats.L3Hits));
    }

    [Fact]
    public async Task SetAsync_stores_exactly_the_slice_it_is_given()
    {
        using var cache = new TieredCache(CacheTestData.Small(), timeProvider: new FakeTimeProvider());
        byte[] buffer = [0, 1, 2, 3, 4, 5, 6, 7];

        await cache.SetAsync("a", buffer.AsMemory(2, 3));

        Assert.Equal(new byte[] { 2, 3, 4 }, await cache.GetAsync("a"));
    }

    [Fact]
    public async Task An_empty_value_is_a_hit_not_a_miss_at_every_level()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 5), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(_ => [], "a", "b", "c");

        Assert.Equal(Array.Empty<byte>(), await cache.GetAsync("a"));
        Assert.Equal(Array.Empty<byte>(), await cache.GetAsync("b"));
        Assert.Equal(Array.Empty<byte>(), await cache.GetAsync("c"));
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1, 0), (stats.L1Hits, stats.L2Hits, stats.L3Hits, stats.Misses));
    }

    [Fact]
    public async Task L2_stores_compressible_values_compressed_and_reports_the_ratio()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0), timeProvider: new FakeTimeProvider());
        await cache.SetAsync("a", CacheTestData.JsonLike(100_000));
        await cache.SetAsync("b", new byte[10]); // a to L2

        CacheStatistics stats = cache.GetStatistics();
        long storedInL2 = stats.SizeBytes - 10;
        Assert.InRange(storedInL2, 1, 100_000 / 8);
        Assert.Equal(100_000.0 / storedInL2, stats.CompressionRatio, 9);
        Assert.True(stats.CompressionRatio > 8, $"ratio {stats.CompressionRatio}");
    }

    [Fact]
    public async Task Values_under_64_bytes_are_stored_as_they_are_and_64_bytes_are_compressed()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0), timeProvider: new FakeTimeProvider());
        await cache.SetAsync("63", new byte[63]);
        await cache.SetAsync("b", new byte[1]); // 63 to L2

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1.0, stats.CompressionRatio);
        Assert.Equal(63 + 1, stats.SizeBytes);

        await cache.RemoveAsync("63");
        await cache.SetAsync("64", new byte[64]);
        await cache.SetAsync("b", new byte[1]); // 64 to L2

        stats = cache.GetStatistics();
        Assert.Equal(1, stats.L2Count);
        Assert.True(stats.SizeBytes - 1 <= 64 - 8, $"64 zero bytes stored in {stats.SizeBytes - 1}");
        Assert.True(stats.CompressionRatio >= 64.0 / 56, $"ratio {stats.CompressionRatio}");
        Assert.Equal(new byte[64], await cache.GetAsync("64"));
    }

    [Fact]
    public async Task Incompressible_values_are_stored_as_they_are()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(key => CacheTestData.RandomBytes(1000, key[0]), "a", "b", "c"); // a, b to L2

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1.0, stats.CompressionRatio);
        Assert.Equal(3000, stats.SizeBytes);
    }

    [Fact]
    public async Task With_compression_off_L2_stores_values_as_they_are()
    {
        TieredCacheOptions options = CacheTestData.Small(l1: 1, l2: 10, l3: 0);
        options.EnableCompression = false;
        using var cache = new TieredCache(options, timeProvider: new FakeTimeProvider());
        await cache.SetAsync("a", CacheTestData.JsonLike(1000));
        await cache.SetAsync("b", new byte[10]);

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1.0, stats.CompressionRatio);
        Assert.Equal(1010, stats.SizeBytes);
        Assert.Equal(CacheTestData.JsonLike(1000), await cache.GetAsync("a"));
    }

    [Fact]
    public async Task CompressionRatio_is_1_and_SizeBytes_0_when_the_cache_is_empty()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 10, l3: 0), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(_ => CacheTestData.JsonLike(1000), "a", "b");
        Assert.True(cache.GetStatistics().CompressionRatio > 1);

        await cache.ClearAsync();

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(1.0, stats.CompressionRatio);
        Assert.Equal(0, stats.SizeBytes);
    }
}
