using System.Diagnostics;
using System.Globalization;
using CortexHybrid.Caching;
using StackExchange.Redis;
using Xunit.Abstractions;
using static CortexHybrid.Tests.Caching.SharedCacheCluster;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// The <see cref="RedisBackplane"/>: what one instance changes, the others stop serving; after a
/// Redis outage no instance serves what was invalidated during it. Real <c>redis-server</c>, real time.
/// </summary>
[Collection(RedisOutageCollection.Name)]
public sealed class BackplaneTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    /// <summary>What one call may take, at most, with Redis up or down (the timeouts are 0.5 s).</summary>
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(5);

    private readonly SharedCacheCluster _cluster = new();

    public Task InitializeAsync() => _cluster.StartAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync().AsTask();

    [Fact]
    public async Task A_set_on_one_instance_makes_the_other_drop_its_level_1_copy_and_read_the_new_value()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("set"));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("set"));
        byte[] old = Text(1, 500);
        byte[] fresh = Text(2, 500);
        await a.SetAsync("k", old);
        await EventuallyAsync(() => Task.FromResult(b.GetStatistics().BackplaneReceived == 1), "A's first set reaching B");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(old, await b.GetAsync("k"));
        }

        Assert.Equal(1L, b.GetStatistics().L1Hits);

        await a.SetAsync("k", fresh);
        await EventuallyAsync(async () => (await b.GetAsync("k"))!.AsSpan().SequenceEqual(fresh), "B serving A's new value");
        Assert.Equal((2L, 0L), (b.GetStatistics().BackplaneReceived, a.GetStatistics().BackplaneReceived));
        Assert.Equal(2L, a.GetStatistics().BackplanePublished);
    }

    [Fact]
    public async Task A_removal_on_one_instance_makes_the_other_stop_serving_the_old_value()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("remove"));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("remove"));
        await a.SetAsync("k", Text(1, 500));
        Assert.NotNull(await b.GetAsync("k"));
        Assert.NotNull(await b.GetAsync("k"));

        Assert.True(await a.RemoveAsync("k"));
        await EventuallyAsync(async () => await b.GetAsync("k") is null, "B dropping the removed value");

        // B's own removal of a key A holds reaches A.
        await b.SetAsync("j", Text(2, 500));
        Assert.NotNull(await a.GetAsync("j"));
        Assert.NotNull(await a.GetAsync("j"));
        Assert.True(await b.RemoveAsync("j"));
        await EventuallyAsync(async () => await a.GetAsync("j") is null, "A dropping the value B removed");
    }

    [Fact]
    public async Task A_Redis_outage_fails_no_call_and_after_reconnect_no_instance_serves_a_value_invalidated_during_it()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("outage"));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("outage"));
        byte[][] old = [Text(1, 400), Text(2, 400), Text(3, 400), Text(4, 400)];
        string[] keys = ["set", "removed", "tagged", "kept"];
        for (int i = 0; i < keys.Length; i++)
        {
            await a.SetAsync(keys[i], old[i], new CacheEntryOptions { Ttl = Ttl, Tags = [i == 2 ? "t" : "u"] });

            // The set's message reaches B before B keeps a copy: arriving after, it would drop that copy.
            int sets = i + 1;
            await EventuallyAsync(() => Task.FromResult(b.GetStatistics().BackplaneReceived == sets), $"A's set of {keys[i]} reaching B");
            Assert.Equal(old[i], await b.GetAsync(keys[i]));
            Assert.Equal(old[i], await b.GetAsync(keys[i])); // in B's level 1 now
        }

        await _cluster.Redis.StopAsync();
        var slowest = TimeSpan.Zero;
        async Task<T> TimedAsync<T>(Func<ValueTask<T>> call)
        {
            var watch = Stopwatch.StartNew();
            T result = await call();
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            return result;
        }

        // Invalidations on A while Redis is down: none fails, none reaches B.
        byte[] fresh = Text(10, 400);
        await TimedAsync(async () => { await a.SetAsync("set", fresh); return true; });
        await TimedAsync(() => a.RemoveAsync("removed"));
        await TimedAsync(() => a.RemoveByTagAsync("t"));
        Assert.Equal(fresh, await TimedAsync(() => a.GetAsync("set")));
        Assert.Null(await TimedAsync(() => a.GetAsync("removed")));

        // Writes and reads on B go on from levels 1 and 2; what only Redis held is a miss.
        await TimedAsync(async () => { await b.SetAsync("during", Text(11, 400)); return true; });
        Assert.Equal(Text(11, 400), await TimedAsync(() => b.GetAsync("during")));
        Assert.Null(await TimedAsync(() => b.GetAsync("never-written")));
        Assert.Equal(old[3], await TimedAsync(() => b.GetAsync("kept")));
        Assert.Equal(Text(12, 400), await TimedAsync(() => b.GetOrCreateAsync("created", _ => ValueTask.FromResult(Text(12, 400)))));
        CacheStatistics aDuring = a.GetStatistics();
        CacheStatistics bDuring = b.GetStatistics();
        Assert.True(aDuring.Level3Errors > 0, "A counted no level 3 error during the outage");
        Assert.True(slowest < CallBound, $"a call took {slowest.TotalMilliseconds:N0} ms during the outage");

        // Counted from here: a connection restored before the outage (a blip at start on a loaded
        // machine) must not pass for this one, or B would be read before it dropped its levels.
        long aReconnects = a.GetStatistics().Reconnects, bReconnects = b.GetStatistics().Reconnects;
        await _cluster.Redis.StartAsync();
        await EventuallyAsync(
            () => Task.FromResult(b.GetStatistics().Reconnects > bReconnects && a.GetStatistics().Reconnects > aReconnects),
            "both instances seeing the connection restored");

        // The outage rule: B dropped levels 1 and 2, so it serves none of the values invalidated meanwhile.
        CacheStatistics bBefore = b.GetStatistics();
        bool servedOld = (await b.GetAsync("set"))?.AsSpan().SequenceEqual(old[0]) ?? false;
        CacheStatistics bAfter = b.GetStatistics();
        Assert.False(
            servedOld,
            $"B served the value A replaced during the outage (from level 1: {bAfter.L1Hits - bBefore.L1Hits}, level 2: {bAfter.L2Hits - bBefore.L2Hits}, "
            + $"level 3: {bAfter.L3Hits - bBefore.L3Hits}; reconnects before the outage A {aReconnects}, B {bReconnects})");
        Assert.Null(await b.GetAsync("removed"));
        Assert.Null(await b.GetAsync("tagged"));
        Assert.Null(await a.GetAsync("removed"));

        // And the caches work together again: a change on A reaches B.
        await a.SetAsync("after", Text(20, 400));
        Assert.Equal(Text(20, 400), await b.GetAsync("after"));
        Assert.Equal(Text(20, 400), await b.GetAsync("after"));
        await a.SetAsync("after", Text(21, 400));
        await EventuallyAsync(async () => (await b.GetAsync("after"))!.AsSpan().SequenceEqual(Text(21, 400)), "B serving A's new value after the outage");
        output.WriteLine(
            $"outage: A {aDuring.Level3Errors} level 3 errors, B {bDuring.Level3Errors}; reconnects A {a.GetStatistics().Reconnects}, B {b.GetStatistics().Reconnects}; slowest call {slowest.TotalMilliseconds:N0} ms");
    }

    [Fact]
    public async Task A_removal_that_timed_out_in_a_stall_is_replayed_and_reaches_Redis_and_the_other_instance()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("stall"));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("stall"));
        await SetUntilInLevel1Async(a, b, "k", Text(1, 400));

        // Redis stalls (keeping its data and the connections): A's removal and its publication time out.
        ConnectionMultiplexer admin = await _cluster.ConnectAsync(admin: true);
        long errors = a.GetStatistics().Level3Errors;
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1200", "ALL");
        await a.RemoveAsync("k");
        Assert.True(a.GetStatistics().Level3Errors > errors);
        Assert.Null(await a.GetAsync("k"));

        // Once Redis answers again, A's next level 3 call closes the circuit and replays the removal.
        await EventuallyAsync(async () =>
        {
            await a.GetAsync("probe");
            return !await admin.GetDatabase().KeyExistsAsync(_cluster.ValueKey("stall", "k"));
        }, "the removal reaching Redis after the stall");
        // A recovers on its next level 3 call (traffic, or the health check's probe).
        await EventuallyAsync(async () =>
        {
            await a.GetAsync("probe");
            return await b.GetAsync("k") is null;
        }, "B dropping the value A removed during the stall");
    }

    [Fact]
    public async Task A_removal_that_timed_out_reaches_the_other_instance_with_no_further_call_on_either()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("quiet"));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("quiet"));
        await SetUntilInLevel1Async(a, b, "k", Text(1, 400));
        long received = b.GetStatistics().BackplaneReceived;

        // A stall longer than the level 3 timeout: the removal neither reaches Redis nor is published.
        ConnectionMultiplexer admin = await _cluster.ConnectAsync(admin: true);
        long errors = a.GetStatistics().Level3Errors;
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1200", "ALL");
        await a.RemoveAsync("k");
        Assert.True(a.GetStatistics().Level3Errors > errors);

        // No call on A or B from here: A's retry timer probes Redis once the circuit's retry time has
        // come, and replays the removal. Only Redis and B's statistics are looked at.
        await EventuallyAsync(
            async () => !await admin.GetDatabase().KeyExistsAsync(_cluster.ValueKey("quiet", "k")) && b.GetStatistics().BackplaneReceived > received,
            "the removal reaching Redis and B with no traffic");
        Assert.Null(await b.GetAsync("k"));
        Assert.False(a.GetStatistics().Level3CircuitOpen);
    }

    [Fact]
    public async Task A_subscription_that_timed_out_at_start_is_made_later_with_no_call_and_then_drops_what_it_may_have_missed()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("late"));
        TieredCacheOptions options = Options("late");
        ConnectionMultiplexer redis = await _cluster.ConnectAsync(timeout: options.Level3Timeout);

        // Redis stalls while B starts: B's subscription times out; B keeps a value A then replaces.
        ConnectionMultiplexer admin = await _cluster.ConnectAsync(admin: true);
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1200", "ALL");
        using var b = new TieredCache(options, new RedisSharedLevel3(redis, options.Name, _cluster.KeyPrefix), new RedisBackplane(redis, options.Name, _cluster.KeyPrefix));
        await b.BackplaneReady;
        Assert.True(b.GetStatistics().Level3Errors > 0, "B's subscription did not time out");
        await b.SetAsync("k", Text(1, 400));
        Assert.Equal(Text(1, 400), await b.GetAsync("k"));

        // No call on B from here: its retry timer probes Redis once the pause is over and subscribes,
        // and drops what it holds, since a change published before the subscription was missed.
        await EventuallyAsync(
            async () =>
            {
                await a.SetAsync("other", Text(2, 400));
                return b.GetStatistics().BackplaneReceived > 0;
            },
            "B subscribed, receiving A's sets");
        Assert.Equal(0, b.GetStatistics().L1Count + b.GetStatistics().L2Count);
    }

    /// <summary>
    /// The propagation time: from <see cref="TieredCache.SetAsync"/> or <see cref="TieredCache.RemoveAsync"/>
    /// returning on A to B no longer serving the old value, under a background load of writes and
    /// reads on both. Prints the figures; asserts only a generous bound (the target is p99 &lt; 50 ms).
    /// </summary>
    [Fact]
    public async Task Propagation_from_one_instance_to_another_under_load_is_measured()
    {
        (TieredCache a, _) = await _cluster.NewInstanceAsync(Options("propagation"));
        (TieredCache b, _) = await _cluster.NewInstanceAsync(Options("propagation"));
        using var stop = new CancellationTokenSource();
        long loadCalls = 0;
        async Task LoadAsync(TieredCache cache, int seed)
        {
            var random = new Random(seed);
            byte[] value = Text(seed, 1_000);
            while (!stop.IsCancellationRequested)
            {
                await Task.Yield(); // a level 1 hit completes synchronously: without this the loop never lets go of its thread
                string key = "load:" + random.Next(2_000).ToString(CultureInfo.InvariantCulture);
                if (random.Next(4) == 0)
                {
                    await cache.SetAsync(key, value);
                }
                else
                {
                    await cache.GetAsync(key);
                }

                Interlocked.Increment(ref loadCalls);
            }
        }

        Task[] load = [Task.Run(() => LoadAsync(a, 1)), Task.Run(() => LoadAsync(b, 2))];
        const int Samples = 400;
        var times = new List<double>(Samples);
        var watch = new Stopwatch();
        var run = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < Samples; i++)
            {
                string key = "probe:" + i.ToString(CultureInfo.InvariantCulture);
                byte[] old = Text(i, 200);
                await b.SetAsync(key, old); // in B's level 1 (B hears no message of its own)
                long l1Hits = b.GetStatistics().L1Hits;
                Assert.Equal(old, await b.GetAsync(key));
                Assert.True(b.GetStatistics().L1Hits > l1Hits);

                if (i % 2 == 0)
                {
                    await a.SetAsync(key, Text(i + 1, 200));
                }
                else
                {
                    await a.RemoveAsync(key);
                }

                watch.Restart();
                while ((await b.GetAsync(key))?.AsSpan().SequenceEqual(old) == true)
                {
                    Assert.True(watch.Elapsed < Deadline, $"B still served the old value of {key} after {Deadline.TotalSeconds:0} s");
                    await Task.Yield();
                }

                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(load);
        }

        times.Sort();
        double Percentile(double p) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
        CacheStatistics sa = a.GetStatistics();
        CacheStatistics sb = b.GetStatistics();
        output.WriteLine(
            $"propagation A -> B ({Samples} samples: {Samples / 2} sets, {Samples / 2} removes; {loadCalls:N0} background calls (a quarter of them sets) on 2 tasks in {run.Elapsed.TotalSeconds:N1} s): "
            + $"p50 {Percentile(0.50):N2} ms, p90 {Percentile(0.90):N2} ms, p99 {Percentile(0.99):N2} ms, max {times[^1]:N2} ms");
        output.WriteLine(
            $"A: published {sa.BackplanePublished:N0}, received {sa.BackplaneReceived:N0}, level 3 errors {sa.Level3Errors}; "
            + $"B: published {sb.BackplanePublished:N0}, received {sb.BackplaneReceived:N0}, level 3 errors {sb.Level3Errors}");
        // Level 3 errors (a call over the 500 ms timeout on this loaded 2-core machine) are printed, not
        // asserted: they cost a miss, never a stale read, which the loop above checks.
        Assert.True(Percentile(0.99) < 500, $"p99 propagation {Percentile(0.99):N1} ms");
    }

    /// <remarks>
    /// Exact LRU: these tests read a value just written back from level 1 while other writes run.
    /// Under W-TinyLFU a key seen once can lose admission to the main region to a more frequent one
    /// and move to level 2 at once, which is the policy working, not what these tests are about.
    /// </remarks>
    /// <summary>
    /// Sets <paramref name="key"/> on <paramref name="a"/>, waits for the set's message to reach
    /// <paramref name="b"/> (arriving later, it would drop B's copy), and reads it on B twice, so
    /// that B holds it in level 1; again from the set when B's reads miss. The stall tests need a
    /// 500 ms level 3 timeout, which a loaded machine can exceed in this setup too (A's write or B's
    /// read timing out), and that is not what they test.
    /// </summary>
    private static async Task SetUntilInLevel1Async(TieredCache a, TieredCache b, string key, byte[] value) =>
        await EventuallyAsync(
            async () =>
            {
                long received = b.GetStatistics().BackplaneReceived;
                await a.SetAsync(key, value);
                await EventuallyAsync(() => Task.FromResult(b.GetStatistics().BackplaneReceived > received), "A's set reaching B");
                return await b.GetAsync(key) is not null && await b.GetAsync(key) is not null;
            },
            $"B reading {key} from Redis after A's set");

    private static TieredCacheOptions Options(string name) => new()
    {
        Name = name,
        Level1Policy = CachePolicy.Lru,
        L1Capacity = 1_000,
        L2Capacity = 1_000,
        DefaultTtl = Ttl,
        Level3Timeout = TimeSpan.FromMilliseconds(500),
        Level3Mode = Level3Mode.Shared,
    };
}
