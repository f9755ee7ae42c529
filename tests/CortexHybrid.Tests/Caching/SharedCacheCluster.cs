using System.Diagnostics;
using System.Text;
using CortexHybrid.Caching;
using StackExchange.Redis;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// Several <see cref="TieredCache"/> "instances" in <see cref="Level3Mode.Shared"/> on one real
/// <c>redis-server</c> (<see cref="RedisServer"/>), each with its own connection, as separate
/// processes would have. Keys are under a prefix of this cluster's own, so no test sees another's.
/// </summary>
internal sealed class SharedCacheCluster : IAsyncDisposable
{
    /// <summary>How long a test waits for something that should happen within milliseconds (a message, a reconnection).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly List<IDisposable> _owned = [];

    public RedisServer Redis { get; } = new();

    /// <summary>The Redis key (and channel) prefix of this cluster's caches.</summary>
    public string KeyPrefix { get; } = "cortex-tests:" + Guid.NewGuid().ToString("N") + ":";

    public Task StartAsync() => Redis.StartAsync();

    /// <summary>
    /// A connection of its own (short timeouts, quick reconnects; an admin one waits out a CLIENT
    /// PAUSE), connected before it is returned. Its commands time out after <paramref name="timeout"/>
    /// (1 s when null; at least 5 s for an admin one): an instance's connection gets its cache's
    /// level 3 timeout, so that the cache's timeout, not the connection's, decides what is an error.
    /// </summary>
    public async Task<ConnectionMultiplexer> ConnectAsync(bool admin = false, TimeSpan? timeout = null)
    {
        int milliseconds = (int)Math.Max(admin ? 5_000 : 1_000, timeout?.TotalMilliseconds ?? 0);
        var configuration = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 1_000,
            SyncTimeout = milliseconds,
            AsyncTimeout = milliseconds,
            ConnectRetry = 1,
            AllowAdmin = admin,
            ReconnectRetryPolicy = new LinearRetry(100),
        };
        configuration.EndPoints.Add(Redis.EndPoint);
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(configuration);
        _owned.Add(redis);
        await EventuallyAsync(() => Task.FromResult(redis.IsConnected), "the connection to Redis");
        return redis;
    }

    /// <summary>An instance: a shared-mode cache on a connection of its own, subscribed to the backplane before it is returned.</summary>
    public async Task<(TieredCache Cache, ConnectionMultiplexer Redis)> NewInstanceAsync(TieredCacheOptions options, bool backplane = true, TimeProvider? timeProvider = null)
    {
        options.Level3Mode = Level3Mode.Shared;
        ConnectionMultiplexer redis = await ConnectAsync(timeout: options.Level3Timeout);
        var cache = new TieredCache(
            options,
            new RedisSharedLevel3(redis, options.Name, KeyPrefix),
            backplane ? new RedisBackplane(redis, options.Name, KeyPrefix) : null,
            timeProvider);
        _owned.Insert(0, cache); // disposed before its connection
        // On this loaded machine the subscription can time out at start (over the 0.5 s level 3
        // timeout); the cache's retry timer makes it a second later. A test starts from a healthy
        // instance: subscribed, its circuit closed.
        await EventuallyAsync(
            async () =>
            {
                await cache.BackplaneReady;
                return (!backplane || cache.BackplaneSubscribed) && !cache.GetStatistics().Level3CircuitOpen;
            },
            "the instance subscribed, with its level 3 circuit closed");
        return (cache, redis);
    }

    /// <summary>The Redis key of a cache key's value.</summary>
    public string ValueKey(string cacheName, string key) => $"{KeyPrefix}{cacheName}:v:{key}";

    /// <summary>The Redis key of a tag's set.</summary>
    public string TagKey(string cacheName, string tag) => $"{KeyPrefix}{cacheName}:t:{tag}";

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <see cref="Deadline"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < Deadline, $"{what}: not within {Deadline.TotalSeconds:0} s");
            await Task.Delay(5);
        }
    }

    public static byte[] Text(int seed, int length)
    {
        byte[] line = Encoding.UTF8.GetBytes($"value {seed}: the quick brown fox jumps over the lazy dog. ");
        byte[] value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            value[i] = line[i % line.Length];
        }

        return value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        await Redis.DisposeAsync();
    }
}
