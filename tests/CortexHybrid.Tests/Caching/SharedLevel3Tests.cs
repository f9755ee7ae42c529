using CortexHybrid.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using static CortexHybrid.Tests.Caching.SharedCacheCluster;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// <see cref="Level3Mode.Shared"/>: two <see cref="TieredCache"/> instances, each on its own
/// connection to one real <c>redis-server</c>, share level 3 written through.
/// </summary>
[Collection(RedisOutageCollection.Name)]
public sealed class SharedLevel3Tests : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    private readonly SharedCacheCluster _cluster = new();

    public Task InitializeAsync() => _cluster.StartAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync().AsTask();

    [Fact]
    public async Task A_write_on_one_instance_is_in_Redis_with_its_ttl_and_is_read_on_the_other_from_level_3()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("write-through"));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("write-through"));
        byte[] value = Text(1, 5_000);
        await a.SetAsync("k", value, new CacheEntryOptions { Ttl = Ttl, Tags = ["t"] });

        // Written through at once (not only once levels 1 and 2 overflow).
        await using ConnectionMultiplexer redis = await _cluster.ConnectAsync();
        IDatabase database = redis.GetDatabase();
        TimeSpan? left = await database.KeyTimeToLiveAsync(_cluster.ValueKey("write-through", "k"));
        Assert.NotNull(left);
        Assert.InRange(left.Value, Ttl - TimeSpan.FromMinutes(1), Ttl);
        Assert.True(await database.SetContainsAsync(_cluster.TagKey("write-through", "t"), "k"));
        TimeSpan? tagLeft = await database.KeyTimeToLiveAsync(_cluster.TagKey("write-through", "t"));
        Assert.NotNull(tagLeft);
        Assert.InRange(tagLeft.Value, Ttl - TimeSpan.FromMinutes(1), Ttl);

        Assert.Equal(value, await b.GetAsync("k"));
        CacheStatistics statistics = b.GetStatistics();
        Assert.Equal((1L, 0L, 0L), (statistics.L3Hits, statistics.Misses, statistics.Level3Errors));
        Assert.Equal(value, await b.GetOrCreateAsync("k", _ => throw new InvalidOperationException("level 2 holds it now")));
        Assert.Equal(1L, b.GetStatistics().L2Hits);
    }

    [Fact]
    public async Task A_promotion_on_the_reader_leaves_the_value_in_Redis_for_every_instance()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("promotion"));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("promotion"));
        (TieredCache c, _) = await _cluster.NewInstanceAsync(Options("promotion"));
        byte[] value = Text(2, 3_000);
        await a.SetAsync("k", value);
        await EventuallyAsync(() => Task.FromResult(b.GetStatistics().BackplaneReceived == 1), "A's set reaching B (it would drop what B read before)");

        // Read 1 from level 3 into level 2, read 2 promotes to level 1, read 3 is a level 1 hit.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(value, await b.GetAsync("k"));
        }

        CacheStatistics statistics = b.GetStatistics();
        Assert.Equal((1L, 1L, 1L, 1L), (statistics.L3Hits, statistics.L2Hits, statistics.L1Hits, statistics.Promotions));

        await using ConnectionMultiplexer redis = await _cluster.ConnectAsync();
        Assert.True(await redis.GetDatabase().KeyExistsAsync(_cluster.ValueKey("promotion", "k")), "the promotion deleted the key from Redis");
        Assert.Equal(value, await c.GetAsync("k"));
        Assert.Equal(1L, c.GetStatistics().L3Hits);
    }

    [Fact]
    public async Task What_levels_1_and_2_push_out_stays_readable_from_Redis()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("overflow", l1: 1, l2: 1));
        for (int i = 0; i < 6; i++)
        {
            await a.SetAsync($"k{i}", Text(i, 400));
        }

        CacheStatistics statistics = a.GetStatistics();
        Assert.Equal((1, 1, 0L, 0L), (statistics.L1Count, statistics.L2Count, statistics.Evictions, statistics.Level3Errors));
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(Text(i, 400), await a.GetAsync($"k{i}"));
        }

        Assert.Equal(0L, a.GetStatistics().Misses);
    }

    [Fact]
    public async Task A_tag_removal_on_one_instance_removes_every_instances_copies_and_the_Redis_keys()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("tags", promotionThreshold: 1));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("tags", promotionThreshold: 1));
        await a.SetAsync("red:1", Text(1, 300), Tagged("red"));
        await a.SetAsync("both", Text(2, 300), Tagged("red", "blue"));
        await b.SetAsync("red:b", Text(3, 300), Tagged("red")); // written by B: A never held it
        await a.SetAsync("blue:1", Text(4, 300), Tagged("blue"));
        string[] red = ["red:1", "both", "red:b"];
        await EventuallyAsync(() => Task.FromResult(b.GetStatistics().BackplaneReceived == 3), "A's sets reaching B");

        // B holds every key in level 1 (promotion on the first read).
        foreach (string key in red.Append("blue:1"))
        {
            Assert.NotNull(await b.GetAsync(key));
        }

        Assert.Equal(4, b.GetStatistics().L1Count);
        Assert.Equal(3, await a.RemoveByTagAsync("red"));

        await using ConnectionMultiplexer redis = await _cluster.ConnectAsync();
        IDatabase database = redis.GetDatabase();
        foreach (string key in red)
        {
            Assert.False(await database.KeyExistsAsync(_cluster.ValueKey("tags", key)), $"{key} is still in Redis");
        }

        Assert.False(await database.KeyExistsAsync(_cluster.TagKey("tags", "red")));
        foreach (string key in red)
        {
            await EventuallyAsync(async () => await b.GetAsync(key) is null, $"B dropping its copy of {key}");
            Assert.Null(await a.GetAsync(key));
        }

        Assert.Equal(Text(4, 300), await b.GetAsync("blue:1"));
        Assert.True(b.GetStatistics().BackplaneReceived >= 1);
        Assert.Equal(1L, a.GetStatistics().BackplaneReceived); // B's set of red:b; A hears none of its own
    }

    [Fact]
    public async Task A_prefix_removal_on_one_instance_removes_every_instances_copies_and_the_Redis_keys()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("prefixes", promotionThreshold: 1));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("prefixes", promotionThreshold: 1));
        string[] users = ["user:1", "user:2", "user:[*]?"]; // glob characters are literal
        foreach (string key in users)
        {
            await a.SetAsync(key, Text(key.Length, 200));
        }

        await b.SetAsync("user:b", Text(9, 200));
        await a.SetAsync("userx", Text(10, 200));
        await a.SetAsync("order:1", Text(11, 200));
        await EventuallyAsync(() => Task.FromResult(b.GetStatistics().BackplaneReceived == 5), "A's sets reaching B");
        foreach (string key in users.Append("user:b").Append("userx").Append("order:1"))
        {
            Assert.NotNull(await b.GetAsync(key));
        }

        Assert.Equal(4, await a.RemoveByPrefixAsync("user:"));
        await using ConnectionMultiplexer redis = await _cluster.ConnectAsync();
        IDatabase database = redis.GetDatabase();
        foreach (string key in users.Append("user:b"))
        {
            Assert.False(await database.KeyExistsAsync(_cluster.ValueKey("prefixes", key)), $"{key} is still in Redis");
            await EventuallyAsync(async () => await b.GetAsync(key) is null, $"B dropping its copy of {key}");
        }

        Assert.NotNull(await b.GetAsync("userx"));
        Assert.NotNull(await b.GetAsync("order:1"));
        Assert.Equal(0, await a.RemoveByPrefixAsync("user:[*]"));

        await b.ClearAsync();
        Assert.False(await database.KeyExistsAsync(_cluster.ValueKey("prefixes", "userx")));
        await EventuallyAsync(async () => await a.GetAsync("order:1") is null, "A dropping its copies on B's clear");
    }

    [Fact]
    public async Task An_expired_value_is_not_served_from_Redis_whatever_Redis_still_holds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("expiry"), timeProvider: time);
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("expiry"), timeProvider: time);
        await a.SetAsync("k", Text(1, 100), new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(1) });
        Assert.NotNull(await b.GetAsync("k"));

        // Redis's own clock has not moved: the envelope's expiry decides.
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await a.GetAsync("k"));
        Assert.Null(await b.GetAsync("k"));
        await using ConnectionMultiplexer redis = await _cluster.ConnectAsync();
        Assert.True(await redis.GetDatabase().KeyExistsAsync(_cluster.ValueKey("expiry", "k")));
    }

    [Fact]
    public void Shared_mode_and_a_shared_level_3_go_together()
    {
        using var redis = ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { _cluster.Redis.EndPoint }, AbortOnConnectFail = false });
        var shared = new RedisSharedLevel3(redis, "a");
        Assert.Throws<ArgumentException>(() => new TieredCache(new TieredCacheOptions { Name = "a", Level3Mode = Level3Mode.Shared }));
        Assert.Throws<ArgumentException>(() => new TieredCache(new TieredCacheOptions { Name = "a" }, shared, backplane: null));
        Assert.Throws<ArgumentException>(() => new TieredCache(new TieredCacheOptions { Name = "b", Level3Mode = Level3Mode.Shared }, shared, backplane: null));
        Assert.Throws<ArgumentException>(() => new TieredCache(new TieredCacheOptions { Name = "a", Level3Mode = Level3Mode.Shared }, shared, new RedisBackplane(redis, "b")));
    }

    [Fact]
    public async Task The_host_builds_shared_caches_from_WithRedis_and_refuses_shared_mode_without_a_connection()
    {
        string configuration = $"127.0.0.1:{_cluster.Redis.Port},abortConnect=false";
        async Task<TieredCache> StartAsync(List<IHost> hosts)
        {
            HostApplicationBuilder builder = Host.CreateApplicationBuilder();
            builder.Services.AddTieredCache("di-shared").WithRedis(configuration);
            IHost host = builder.Build();
            hosts.Add(host);
            await host.StartAsync();
            TieredCache cache = host.Services.GetRequiredKeyedService<TieredCache>("di-shared");
            await cache.BackplaneReady;
            return cache;
        }

        var hosts = new List<IHost>();
        try
        {
            TieredCache a = await StartAsync(hosts);
            TieredCache b = await StartAsync(hosts);
            await a.SetAsync("k", Text(1, 100), new CacheEntryOptions { Ttl = Ttl });
            Assert.Equal(Text(1, 100), await b.GetAsync("k"));
            await a.SetAsync("k", Text(2, 100), new CacheEntryOptions { Ttl = Ttl });
            await EventuallyAsync(async () => (await b.GetAsync("k"))?.SequenceEqual(Text(2, 100)) == true, "B serving A's new value");
        }
        finally
        {
            foreach (IHost host in hosts)
            {
                await host.StopAsync();
                host.Dispose();
            }
        }

        HostApplicationBuilder bad = Host.CreateApplicationBuilder();
        bad.Services.AddTieredCache(o => o.Level3Mode = Level3Mode.Shared);
        bad.Services.AddTieredCache("b").WithBackplane();
        using IHost badHost = bad.Build();
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => badHost.StartAsync());
        var problems = (error as AggregateException)?.InnerExceptions ?? [error];
        Assert.All(problems, problem => Assert.IsType<OptionsValidationException>(problem));
        string messages = string.Join(Environment.NewLine, problems.Select(p => p.Message));
        Assert.Contains("TieredCache: Level3Mode is Shared: Level3Mode Shared needs a Redis connection", messages, StringComparison.Ordinal);
        Assert.Contains("TieredCache 'b': Level3Mode is Overflow: The backplane (WithBackplane) needs Level3Mode Shared.", messages, StringComparison.Ordinal);
    }

    private static TieredCacheOptions Options(string name, int l1 = 100, int l2 = 100, int promotionThreshold = 2) => new()
    {
        Name = name,
        L1Capacity = l1,
        L2Capacity = l2,
        PromotionThreshold = promotionThreshold,
        DefaultTtl = Ttl,
        // Generous: these tests count no level 3 error, and a loaded 2-core machine can stall a call for seconds.
        Level3Timeout = TimeSpan.FromSeconds(10),
        Level3Mode = Level3Mode.Shared,
    };

    private static CacheEntryOptions Tagged(params string[] tags) => new() { Ttl = Ttl, Tags = tags };
}
