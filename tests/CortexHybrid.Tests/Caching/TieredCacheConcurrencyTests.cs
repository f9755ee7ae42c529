using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using CortexHybrid.Caching;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheConcurrencyTests
{
    private const int Workers = 8;
    private const int OperationsPerWorker = 50_000;
    private const int KeySpace = 5_000;

    /// <summary>A value that names its key and who wrote it; the length varies (some are long enough to compress).</summary>
    private static byte[] ValueFor(string key, int writer, int operation) =>
        Encoding.UTF8.GetBytes($"{key}|{writer}|{operation}|{new string('x', operation % 200)}");

    /// <summary>Null when <paramref name="value"/> is exactly what <see cref="ValueFor"/> wrote for <paramref name="key"/>, else why not.</summary>
    private static string? Mismatch(string key, byte[] value)
    {
        string text = Encoding.UTF8.GetString(value);
        string[] parts = text.Split('|');
        if (parts.Length != 4 || parts[0] != key || !int.TryParse(parts[1], out int writer) || !int.TryParse(parts[2], out int operation))
        {
            return $"{key}: unexpected value '{text[..Math.Min(text.Length, 60)]}'";
        }

        return ValueFor(key, writer, operation).AsSpan().SequenceEqual(value) ? null : $"{key}: corrupted value '{text[..Math.Min(text.Length, 60)]}'";
    }

    [Theory]
    [InlineData(CachePolicy.Lru)]
    [InlineData(CachePolicy.WTinyLfu)]
    public async Task Statistics_stay_exact_and_values_stay_right_under_concurrent_mixed_operations(CachePolicy policy)
    {
        var options = new TieredCacheOptions
        {
            Level1Policy = policy,
            L1Capacity = 100,
            L2Capacity = 300,
            L3Capacity = 1_000,
            Name = CacheTestData.UniqueName(),
        };
        using var cache = new TieredCache(options);
        string[] keys = Enumerable.Range(0, KeySpace).Select(i => $"key-{i}").ToArray();
        long reads = 0;
        long getHits = 0;
        long getMisses = 0;
        long getOrCreates = 0;
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        void Check(string key, byte[]? value)
        {
            if (value is not null && Mismatch(key, value) is string why)
            {
                failures.Enqueue(why);
            }
        }

        async Task WorkAsync(int worker)
        {
            var random = new Random(worker);
            for (int operation = 0; operation < OperationsPerWorker; operation++)
            {
                string key = keys[random.Next(KeySpace)];
                int kind = random.Next(10);
                if (kind < 4)
                {
                    Interlocked.Increment(ref reads);
                    byte[]? value = await cache.GetAsync(key);
                    if (value is null)
                    {
                        Interlocked.Increment(ref getMisses);
                    }
                    else
                    {
                        Interlocked.Increment(ref getHits);
                    }

                    Check(key, value);
                }
                else if (kind < 7)
                {
                    await cache.SetAsync(key, ValueFor(key, worker, operation));
                }
                else if (kind < 9)
                {
                    Interlocked.Increment(ref reads);
                    Interlocked.Increment(ref getOrCreates);
                    int made = operation;
                    Check(key, await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(ValueFor(key, worker, made))));
                }
                else
                {
                    await cache.RemoveAsync(key);
                }
            }
        }

        // Snapshots taken while the workers run must respect the capacities too.
        async Task SampleAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                CacheStatistics s = cache.GetStatistics();
                if (s.L1Count > options.L1Capacity || s.L2Count > options.L2Capacity || s.L3Count > options.L3Capacity)
                {
                    failures.Enqueue($"snapshot over capacity: L1 {s.L1Count}, L2 {s.L2Count}, L3 {s.L3Count}");
                }

                if (s.L1Count < 0 || s.L2Count < 0 || s.L3Count < 0 || s.SizeBytes < 0)
                {
                    failures.Enqueue($"negative snapshot: L1 {s.L1Count}, L2 {s.L2Count}, L3 {s.L3Count}, {s.SizeBytes} bytes");
                }

                await Task.Yield();
            }
        }

        var clock = Stopwatch.StartNew();
        Task sampler = Task.Run(SampleAsync);
        Task[] workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(() => WorkAsync(worker))).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await sampler;
        clock.Stop();

        CacheStatistics stats = cache.GetStatistics();
        Assert.Empty(failures);
        Assert.Equal(Interlocked.Read(ref reads), stats.Requests);
        Assert.Equal(stats.Requests, stats.L1Hits + stats.L2Hits + stats.L3Hits + stats.Misses);

        // A GetAsync is a hit exactly when it returns a value; a GetOrCreateAsync may be either.
        long hits = stats.L1Hits + stats.L2Hits + stats.L3Hits;
        Assert.InRange(hits, getHits, getHits + getOrCreates);
        Assert.InRange(stats.Misses, getMisses, getMisses + getOrCreates);
        Assert.InRange(stats.L1Count, 0, options.L1Capacity);
        Assert.InRange(stats.L2Count, 0, options.L2Capacity);
        Assert.InRange(stats.L3Count, 0, options.L3Capacity);
        Assert.Equal(0, stats.Level3Errors);
        Assert.True(stats.L1Hits > 0 && stats.L2Hits > 0 && stats.L3Hits > 0 && stats.Misses > 0, $"not every level was exercised: {stats}");
        Assert.True(stats.Promotions > 0 && stats.Demotions > 0 && stats.Evictions > 0, $"entries did not move: {stats}");

        // Quiet now: every key reads back as nothing or as a value written for it.
        foreach (string key in keys)
        {
            Check(key, await cache.GetAsync(key));
        }

        Assert.Empty(failures);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(CachePolicy.Lru)]
    [InlineData(CachePolicy.WTinyLfu)]
    public async Task Concurrent_writes_and_reads_lose_no_entry_between_levels_1_and_2_and_keep_the_budgets(CachePolicy policy)
    {
        const int keyCount = 2_000;
        const long level1Bytes = 20_000;
        var options = new TieredCacheOptions
        {
            Level1Policy = policy,
            L1Capacity = 200,
            L1MaxBytes = level1Bytes,
            L2Capacity = keyCount,
            L3Capacity = 0,
            Name = CacheTestData.UniqueName(),
        };
        using var cache = new TieredCache(options);
        long reads = 0;
        Task[] workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (int i = worker; i < keyCount; i += Workers)
            {
                string key = $"key-{i}";
                await cache.SetAsync(key, ValueFor(key, worker, i));
                for (int r = 0; r < 20; r++)
                {
                    // Mostly the first keys (hot), some random: hits, promotions and admissions.
                    int other = random.Next(4) == 0 ? random.Next(i + 1) : random.Next(Math.Min(i + 1, 50));
                    Interlocked.Increment(ref reads);
                    await cache.GetAsync($"key-{other}");
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(1));

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(Interlocked.Read(ref reads), stats.Requests);
        Assert.Equal(stats.Requests, stats.L1Hits + stats.L2Hits + stats.L3Hits + stats.Misses);
        Assert.Equal(0, stats.Evictions);
        Assert.Equal(keyCount, stats.L1Count + stats.L2Count);
        Assert.InRange(stats.L1Count, 1, options.L1Capacity);
        for (int i = 0; i < keyCount; i++)
        {
            string key = $"key-{i}";
            byte[]? value = await cache.GetAsync(key);
            Assert.True(value is not null, $"{key} was lost between levels 1 and 2");
            Assert.Null(Mismatch(key, value));
        }

        stats = cache.GetStatistics();
        Assert.Equal(keyCount, stats.L1Count + stats.L2Count);
        Assert.True(stats.L1Hits > 0 && stats.L2Hits > 0 && stats.Promotions > 0, $"levels not exercised: {stats}");
        Assert.InRange(cache.Level1StoredBytes, 1, level1Bytes);
    }

    [Fact]
    public async Task Concurrent_get_or_create_on_overlapping_keys_runs_one_factory_per_key_at_a_time()
    {
        using var cache = new TieredCache(new TieredCacheOptions { L1Capacity = 1_000, Name = CacheTestData.UniqueName() });
        var running = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var runs = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        long overlaps = 0;

        async ValueTask<byte[]> Factory(string key)
        {
            if (running.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            runs.AddOrUpdate(key, 1, (_, n) => n + 1);
            await Task.Yield();
            running.AddOrUpdate(key, 0, (_, n) => n - 1);
            return CacheTestData.Named(key);
        }

        Task[] callers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                string key = $"k{i % 50}";
                Assert.Equal(CacheTestData.Named(key), await cache.GetOrCreateAsync(key, _ => Factory(key)));
            }
        })).ToArray();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, Interlocked.Read(ref overlaps));
        Assert.All(runs.Values, n => Assert.Equal(1, n)); // stored after the first run; L1 holds all 50
        Assert.Equal(8 * 2_000, cache.GetStatistics().Requests);
    }
}
