using System.Diagnostics;
using System.Text;
using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// <see cref="TieredCache"/> with a real <c>redis-server</c> (started per test by <see cref="RedisServer"/>)
/// behind <see cref="RedisCache"/> as level 3. Real time throughout.
/// </summary>
[Collection(RedisOutageCollection.Name)]
public sealed class RedisLevel3Tests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>What one call may take, at most, with level 3 up or down: the timeouts are 0.5 to 2 s.</summary>
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(5);

    /// <summary>How long a test waits for level 3 to come back after Redis restarts.</summary>
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    private readonly RedisServer _redis = new();
    private readonly List<IDisposable> _disposables = [];

    /// <summary>The Redis key prefix of this test's caches, so that no test sees another's keys.</summary>
    private readonly string _instance = "cortex-tests:" + Guid.NewGuid().ToString("N") + ":";

    public Task InitializeAsync() => _redis.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (IDisposable disposable in _disposables)
        {
            disposable.Dispose();
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Values_pushed_down_to_level_3_are_in_Redis_with_their_ttl_and_come_back_byte_for_byte()
    {
        using TieredCache cache = new(CacheOptions(l1: 1, l2: 1, level3Timeout: TimeSpan.FromSeconds(2)), await NewRedisCacheAsync());
        (string Key, byte[] Value)[] cold =
        [
            ("cold:random", RandomBytes(1, 3_000)),
            ("cold:text", Text(2, 8_192)),
            ("cold:one-byte", RandomBytes(3, 1)),
            ("cold:large", Text(4, 100_000)),
        ];
        foreach ((string key, byte[] value) in cold)
        {
            await cache.SetAsync(key, value, new CacheEntryOptions { Ttl = Ttl });
        }

        await cache.SetAsync("warm", Text(5, 500), new CacheEntryOptions { Ttl = Ttl });
        await cache.SetAsync("hot", Text(6, 500), new CacheEntryOptions { Ttl = Ttl });

        CacheStatistics statistics = cache.GetStatistics();
        Assert.Equal((1, 1, 4, 0L), (statistics.L1Count, statistics.L2Count, statistics.L3Count, statistics.Level3Errors));

        await using ConnectionMultiplexer redis = await ConnectAsync();
        IDatabase database = redis.GetDatabase();
        foreach ((string key, _) in cold)
        {
            Assert.True(await database.KeyExistsAsync(_instance + key), $"{key} is not in Redis");
            TimeSpan? left = await database.KeyTimeToLiveAsync(_instance + key);
            Assert.NotNull(left);
            Assert.InRange(left.Value, Ttl - TimeSpan.FromMinutes(1), Ttl);
        }

        Assert.False(await database.KeyExistsAsync(_instance + "warm"));
        Assert.False(await database.KeyExistsAsync(_instance + "hot"));

        // Level 3 holds the compressed form: another client of the same instance sees a small envelope.
        using RedisCache reader = await NewRedisCacheAsync();
        byte[]? envelope = await reader.GetAsync("cold:large");
        Assert.NotNull(envelope);
        Assert.True(envelope.Length < 100_000 / 10, $"the envelope of a 100,000-byte text is {envelope.Length:N0} bytes");

        foreach ((string key, byte[] value) in cold)
        {
            Assert.Equal(value, await cache.GetAsync(key));
        }

        statistics = cache.GetStatistics();
        Assert.Equal((0L, 0L, 4L, 0L, 0L), (statistics.L1Hits, statistics.L2Hits, statistics.L3Hits, statistics.Misses, statistics.Level3Errors));

        // The second read moves the value up to level 1, and out of Redis; what it displaces goes down.
        Assert.Equal(cold[0].Value, await cache.GetAsync(cold[0].Key));
        Assert.Equal((5L, 1L), (cache.GetStatistics().L3Hits, cache.GetStatistics().Promotions));
        Assert.False(await database.KeyExistsAsync(_instance + cold[0].Key));
        Assert.True(await database.KeyExistsAsync(_instance + "warm"));
        Assert.Equal(cold[0].Value, await cache.GetAsync(cold[0].Key));
        Assert.Equal(1L, cache.GetStatistics().L1Hits);
    }

    [Fact]
    public async Task Removal_by_key_tag_prefix_and_clear_deletes_the_keys_from_Redis()
    {
        using TieredCache cache = new(CacheOptions(l1: 1, l2: 1, level3Timeout: TimeSpan.FromSeconds(2)), await NewRedisCacheAsync());
        string[] cold = ["user:1", "user:2", "order:1", "order:2", "misc:1"];
        await cache.SetAsync("user:1", Text(1, 300), Tagged("red"));
        await cache.SetAsync("user:2", Text(2, 300), Tagged("blue"));
        await cache.SetAsync("order:1", Text(3, 300), Tagged("red", "blue"));
        await cache.SetAsync("order:2", Text(4, 300), Tagged());
        await cache.SetAsync("misc:1", Text(5, 300), Tagged());
        await cache.SetAsync("user:warm", Text(6, 300), Tagged("red"));
        await cache.SetAsync("misc:hot", Text(7, 300), Tagged());
        Assert.Equal((5, 0L), (cache.GetStatistics().L3Count, cache.GetStatistics().Level3Errors));

        await using ConnectionMultiplexer redis = await ConnectAsync();
        IDatabase database = redis.GetDatabase();
        Assert.Equal(cold.Order(StringComparer.Ordinal), await KeysInRedisAsync(redis));

        Assert.True(await cache.RemoveAsync("order:2"));
        Assert.Equal(new[] { "misc:1", "order:1", "user:1", "user:2" }, await KeysInRedisAsync(redis));

        // user:1 and order:1 in level 3, user:warm in level 2.
        Assert.Equal(3, await cache.RemoveByTagAsync("red"));
        Assert.Equal(new[] { "misc:1", "user:2" }, await KeysInRedisAsync(redis));

        Assert.Equal(1, await cache.RemoveByPrefixAsync("user:"));
        Assert.Equal(new[] { "misc:1" }, await KeysInRedisAsync(redis));

        await cache.ClearAsync();
        Assert.Empty(await KeysInRedisAsync(redis));
        CacheStatistics statistics = cache.GetStatistics();
        Assert.Equal((0, 0, 0, 0L), (statistics.L1Count, statistics.L2Count, statistics.L3Count, statistics.Level3Errors));
        foreach (string key in cold.Append("user:warm").Append("misc:hot"))
        {
            Assert.Null(await cache.GetAsync(key));
        }
    }

    [Fact]
    public async Task A_Redis_outage_fails_no_call_and_level_3_is_used_again_once_Redis_is_back()
    {
        using TieredCache cache = new(CacheOptions(l1: 2, l2: 2, level3Timeout: TimeSpan.FromMilliseconds(500)), await NewRedisCacheAsync());
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (int i = 0; i < 6; i++)
        {
            values[$"before:{i}"] = Text(i, 400);
            await cache.SetAsync($"before:{i}", values[$"before:{i}"]);
        }

        Assert.Equal((2, 0L), (cache.GetStatistics().L3Count, cache.GetStatistics().Level3Errors));

        await _redis.StopAsync();
        var slowest = TimeSpan.Zero;
        async Task<T> TimedAsync<T>(Func<ValueTask<T>> call)
        {
            var watch = Stopwatch.StartNew();
            T result = await call();
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            return result;
        }

        int factoryRuns = 0;
        ValueTask<byte[]> Factory(byte[] value)
        {
            Interlocked.Increment(ref factoryRuns);
            return ValueTask.FromResult(value);
        }

        // Long enough for level 3 to be tried again after Level3RetryDelay, and to fail again.
        var outage = Stopwatch.StartNew();
        int rounds = 0;
        for (; outage.Elapsed < TimeSpan.FromSeconds(2.5); rounds++)
        {
            byte[] written = Text(100 + rounds, 400);
            await TimedAsync(async () =>
            {
                await cache.SetAsync($"during:{rounds}", written);
                return true;
            });
            Assert.Equal(written, await TimedAsync(() => cache.GetAsync($"during:{rounds}")));

            byte[] created = Text(200 + rounds, 400);
            Assert.Equal(created, await TimedAsync(() => cache.GetOrCreateAsync($"created:{rounds}", _ => Factory(created))));

            // In Redis only before the outage: served by the factory (or from above, once it stored it).
            Assert.Equal(values["before:0"], await TimedAsync(() => cache.GetOrCreateAsync("before:0", _ => Factory(values["before:0"]))));
            Assert.Equal(values["before:1"], await TimedAsync(() => cache.GetOrCreateAsync("before:1", _ => Factory(values["before:1"]))));
            await Task.Delay(100);
        }

        CacheStatistics statistics = cache.GetStatistics();
        Assert.True(statistics.Level3Errors > 0, "no level 3 error was counted during the outage");
        Assert.True(factoryRuns >= rounds + 2, $"{factoryRuns} factory runs in {rounds} rounds");
        Assert.True(slowest < CallBound, $"a call took {slowest.TotalMilliseconds:N0} ms during the outage");
        output.WriteLine($"outage: {rounds} rounds, {statistics.Level3Errors} level 3 errors, {factoryRuns} factory runs, slowest call {slowest.TotalMilliseconds:N0} ms");
        var recovery = Stopwatch.StartNew();

        await _redis.StartAsync();
        await using ConnectionMultiplexer redis = await ConnectAsync();
        string probe = await WaitUntilWrittenToRedisAsync(cache, redis, TimedAsync);
        output.WriteLine($"level 3 written again {recovery.ElapsedMilliseconds:N0} ms after the restart began");

        // And read back from it.
        long level3Hits = cache.GetStatistics().L3Hits;
        Assert.Equal(Text(999, 400), await TimedAsync(() => cache.GetAsync(probe)));
        Assert.Equal(level3Hits + 1, cache.GetStatistics().L3Hits);
        Assert.True(slowest < CallBound, $"a call took {slowest.TotalMilliseconds:N0} ms");
        output.WriteLine($"slowest call overall {slowest.TotalMilliseconds:N0} ms");
    }

    [Fact]
    public async Task A_second_cache_sharing_Redis_reads_what_the_first_pushed_down_and_removes_it_for_both()
    {
        using TieredCache first = new(CacheOptions(l1: 1, l2: 1, level3Timeout: TimeSpan.FromSeconds(2)), await NewRedisCacheAsync());
        using TieredCache second = new(CacheOptions(l1: 100, l2: 100, level3Timeout: TimeSpan.FromSeconds(2)), await NewRedisCacheAsync());
        byte[] shared = RandomBytes(1, 5_000);
        byte[] other = Text(2, 5_000);
        await first.SetAsync("shared", shared, Tagged("t"));
        await first.SetAsync("other", other);
        await first.SetAsync("warm", Text(3, 100));
        await first.SetAsync("hot", Text(4, 100));
        Assert.Equal(2, first.GetStatistics().L3Count);

        Assert.Equal(shared, await second.GetAsync("shared"));
        Assert.Equal(other, await second.GetOrCreateAsync("other", _ => throw new InvalidOperationException("level 3 holds the value")));
        CacheStatistics statistics = second.GetStatistics();
        Assert.Equal((2L, 0L, 0L), (statistics.L3Hits, statistics.Misses, statistics.Level3Errors));

        // A removal by the second reaches Redis, so the first no longer finds the value either.
        await using ConnectionMultiplexer redis = await ConnectAsync();
        Assert.True(await second.RemoveAsync("shared"));
        Assert.False(await redis.GetDatabase().KeyExistsAsync(_instance + "shared"));
        Assert.Null(await first.GetAsync("shared"));
        Assert.Equal(shared, await first.GetOrCreateAsync("shared", _ => ValueTask.FromResult(shared)));
        Assert.Equal(2L, first.GetStatistics().Misses);
    }

    [Fact]
    public async Task A_tag_removal_after_a_stall_reaches_a_key_whose_level_3_read_timed_out_during_it()
    {
        using TieredCache cache = new(CacheOptions(l1: 1, l2: 1, level3Timeout: TimeSpan.FromMilliseconds(500)), await NewRedisCacheAsync());
        byte[] value = Text(1, 400);
        await cache.SetAsync("tagged", value, Tagged("t"));
        await cache.SetAsync("warm", Text(2, 400));
        await cache.SetAsync("hot", Text(3, 400));
        Assert.Equal(1, cache.GetStatistics().L3Count);

        // Redis stalls (it keeps its data, unlike a killed server without persistence): the read times out.
        await using ConnectionMultiplexer redis = await ConnectAsync();
        await redis.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1500", "ALL");
        Assert.Null(await cache.GetAsync("tagged"));
        Assert.Equal(1L, cache.GetStatistics().Level3Errors);

        await WaitUntilWrittenToRedisAsync(cache, redis, static call => call().AsTask());
        Assert.True(await redis.GetDatabase().KeyExistsAsync(_instance + "tagged"), "Redis lost the value during the pause");

        // The cache placed "tagged" in level 3 and has not removed it: invalidation must reach it.
        int removed = await cache.RemoveByTagAsync("t");
        bool left = await redis.GetDatabase().KeyExistsAsync(_instance + "tagged");
        byte[]? read = await cache.GetAsync("tagged");
        Assert.True(
            !left && read is null,
            $"RemoveByTagAsync(\"t\") removed {removed} keys, left \"tagged\" in Redis: {left}, and GetAsync(\"tagged\") then returned "
            + (read is null ? "null" : $"the removed value ({read.Length} bytes)")
            + ": the timed-out read made the cache forget it had placed the key in level 3");
    }

    [Fact]
    public async Task A_tag_removal_after_a_stall_reaches_a_value_whose_level_3_write_timed_out_but_landed()
    {
        using TieredCache cache = new(CacheOptions(l1: 1, l2: 1, level3Timeout: TimeSpan.FromMilliseconds(500)), await NewRedisCacheAsync());
        await cache.SetAsync("tagged", Text(1, 400), Tagged("t"));
        await cache.SetAsync("warm", Text(2, 400));

        // Redis stalls while "tagged" is pushed down: the write times out, but Redis has the command
        // and carries it out when the pause ends.
        await using ConnectionMultiplexer redis = await ConnectAsync();
        await redis.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1500", "ALL");
        await cache.SetAsync("hot", Text(3, 400));
        Assert.Equal((0, 1L), (cache.GetStatistics().L3Count, cache.GetStatistics().Level3Errors));

        await WaitUntilWrittenToRedisAsync(cache, redis, static call => call().AsTask());
        // The timed-out write has landed by now; the cache may already have taken it back out
        // (it retries the removal of keys it could not account for), or must at least not read it.

        // Removed by its tag, the value must not come back from level 3.
        int removed = await cache.RemoveByTagAsync("t");
        byte[]? read = await cache.GetAsync("tagged");
        Assert.True(
            read is null,
            $"RemoveByTagAsync(\"t\") removed {removed} keys and GetAsync(\"tagged\") then returned the removed value from Redis ({read?.Length} bytes): "
            + "a level 3 write that timed out is taken as not done, yet it landed");
    }

    /// <summary>
    /// Once level 3 answers again (and <see cref="TieredCache.Level3RetryDelay"/> has passed), a
    /// value pushed down lands in Redis. Returns the key of that value (<c>Text(999, 400)</c>).
    /// </summary>
    private async Task<string> WaitUntilWrittenToRedisAsync(TieredCache cache, ConnectionMultiplexer redis, Func<Func<ValueTask<bool>>, Task<bool>> timed)
    {
        IDatabase database = redis.GetDatabase();
        var waited = Stopwatch.StartNew();
        for (int attempt = 0; ; attempt++)
        {
            string probe = $"probe:{attempt}";
            long errors = cache.GetStatistics().Level3Errors;
            await timed(async () =>
            {
                await cache.SetAsync(probe, Text(999, 400));

                // Enough newer values to push it through levels 1 and 2.
                for (int i = 0; i < 4; i++)
                {
                    await cache.SetAsync($"push:{attempt}:{i}", Text(i, 100));
                }

                return true;
            });
            // Written without a level 3 error since: level 3 is open (a write that timed out may land too).
            if (cache.GetStatistics().Level3Errors == errors && await database.KeyExistsAsync(_instance + probe))
            {
                return probe;
            }

            Assert.True(waited.Elapsed < RecoveryDeadline, $"level 3 was not written again within {RecoveryDeadline.TotalSeconds:0} s of Redis restarting");
            await Task.Delay(200);
        }
    }

    private static TieredCacheOptions CacheOptions(int l1, int l2, TimeSpan level3Timeout) => new()
    {
        L1Capacity = l1,
        L2Capacity = l2,
        DefaultTtl = Ttl,
        Level3Timeout = level3Timeout,
        Name = "redis-tests",
    };

    private static CacheEntryOptions Tagged(params string[] tags) => new() { Ttl = Ttl, Tags = tags };

    /// <summary>A level 3 client with its own connection (as another process would have), connected before it is returned.</summary>
    private async Task<RedisCache> NewRedisCacheAsync()
    {
        var configuration = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 500,
            SyncTimeout = 500,
            AsyncTimeout = 500,
            ConnectRetry = 1,
        };
        configuration.EndPoints.Add(_redis.EndPoint);
        var cache = new RedisCache(Options.Create(new RedisCacheOptions
        {
            ConfigurationOptions = configuration,
            InstanceName = _instance,
        }));
        _disposables.Add(cache);

        // Connect now, so that a slow first connection on a busy machine is not a level 3 failure.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await cache.GetAsync("connect");
                return cache;
            }
            catch (Exception e) when (e is RedisException or TimeoutException && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A direct connection for checking what Redis holds.</summary>
    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var configuration = new ConfigurationOptions { ConnectTimeout = 5_000, AsyncTimeout = 5_000, SyncTimeout = 5_000, AllowAdmin = true };
        configuration.EndPoints.Add(_redis.EndPoint);
        return await ConnectionMultiplexer.ConnectAsync(configuration);
    }

    /// <summary>This test's keys in Redis, without the instance prefix, in ordinal order.</summary>
    private async Task<List<string>> KeysInRedisAsync(ConnectionMultiplexer redis)
    {
        var keys = new List<string>();
        await foreach (RedisKey key in redis.GetServer(_redis.EndPoint).KeysAsync(pattern: _instance + "*"))
        {
            keys.Add(key.ToString()[_instance.Length..]);
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <summary>Compressible bytes: a line of text repeated.</summary>
    private static byte[] Text(int seed, int length)
    {
        byte[] line = Encoding.UTF8.GetBytes($"value {seed}: the quick brown fox jumps over the lazy dog. ");
        byte[] value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            value[i] = line[i % line.Length];
        }

        return value;
    }

    /// <summary>Incompressible bytes.</summary>
    private static byte[] RandomBytes(int seed, int length)
    {
        byte[] value = new byte[length];
        new Random(seed).NextBytes(value);
        return value;
    }
}
