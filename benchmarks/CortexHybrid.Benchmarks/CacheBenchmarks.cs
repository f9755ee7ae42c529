using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// The cost of a level 1 hit: <see cref="TieredCache"/> against a bare
/// <see cref="MemoryCache.TryGetValue(object, out object?)"/> (the baseline), BitFaster.Caching's
/// <c>ConcurrentLfu</c> (W-TinyLFU like level 1's default policy; once as built by default, whose
/// maintenance runs on the thread pool; once with its <c>ForegroundScheduler</c>, which runs it on
/// the reading thread as level 1's drain does; once with the same one-hour expire-after-write every
/// TieredCache entry here has, which makes it read a clock per hit as level 1 does) and a
/// <see cref="HybridCache"/> hit. The same 1 KB
/// <see cref="byte"/>[] value under each of <see cref="KeyCount"/> keys, read in turn, so that
/// every TieredCache hit also moves its entry to the front of level 1's recency order (a repeated
/// read of the most recent entry would skip that). Each invoke reads every key once; times are per
/// read.
/// </summary>
/// <remarks>
/// HybridCache treats <see cref="byte"/>[] as a mutable type: its level 1 keeps the serialized
/// bytes and every hit returns a fresh copy, which is what its hit costs and allocates. It is built
/// as <c>new ServiceCollection().AddHybridCache()</c> and resolved from the container.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class CacheBenchmarks
{
    public const int KeyCount = 4;
    public const int ValueBytes = 1024;

    private static readonly TimeSpan _lifetime = TimeSpan.FromHours(1);

    private readonly string[] _keys = new string[KeyCount];
    private byte[] _value = [];
    private MemoryCache _memoryCache = null!;
    private TieredCache _tieredCache = null!;
    private TieredCache _tieredLruCache = null!;
    private BitFaster.Caching.Lfu.ConcurrentLfu<string, byte[]> _bitFasterLfu = null!;
    private BitFaster.Caching.Lfu.ConcurrentLfu<string, byte[]> _bitFasterForegroundLfu = null!;
    private BitFaster.Caching.ICache<string, byte[]> _bitFasterExpiringLfu = null!;
    private ServiceProvider _services = null!;
    private HybridCache _hybridCache = null!;
    private HybridCacheEntryOptions _hybridEntryOptions = null!;
    private Func<CancellationToken, ValueTask<byte[]>> _tieredFactory = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _value = new byte[ValueBytes];
        new Random(42).NextBytes(_value);
        for (int i = 0; i < KeyCount; i++)
        {
            _keys[i] = $"product:{i:D6}";
        }

        _memoryCache = new MemoryCache(new MemoryCacheOptions());
        _tieredCache = new TieredCache(new TieredCacheOptions { L1Capacity = 1_000, L2Capacity = 0, L3Capacity = 0, DefaultTtl = _lifetime });
        _tieredLruCache = new TieredCache(new TieredCacheOptions { L1Capacity = 1_000, L2Capacity = 0, L3Capacity = 0, DefaultTtl = _lifetime, Level1Policy = CortexHybrid.Caching.CachePolicy.Lru });
        _bitFasterLfu = new BitFaster.Caching.Lfu.ConcurrentLfu<string, byte[]>(1_000);
        _bitFasterForegroundLfu = new BitFaster.Caching.Lfu.ConcurrentLfu<string, byte[]>(1, 1_000, new BitFaster.Caching.Scheduler.ForegroundScheduler(), StringComparer.Ordinal);
        _bitFasterExpiringLfu = new BitFaster.Caching.Lfu.ConcurrentLfuBuilder<string, byte[]>()
            .WithCapacity(1_000)
            .WithExpireAfterWrite(_lifetime)
            .Build();
        IServiceCollection services = new ServiceCollection().AddHybridCache().Services;
        _services = services.BuildServiceProvider();
        _hybridCache = _services.GetRequiredService<HybridCache>();
        _hybridEntryOptions = new HybridCacheEntryOptions { Expiration = _lifetime, LocalCacheExpiration = _lifetime };
        byte[] value = _value;
        _tieredFactory = _ => ValueTask.FromResult(value);

        foreach (string key in _keys)
        {
            _memoryCache.Set(key, _value);
            await _tieredCache.SetAsync(key, _value);
            await _tieredLruCache.SetAsync(key, _value);
            _bitFasterLfu.AddOrUpdate(key, _value);
            _bitFasterForegroundLfu.AddOrUpdate(key, _value);
            _bitFasterExpiringLfu.AddOrUpdate(key, _value);
            await _hybridCache.SetAsync(key, _value, _hybridEntryOptions);
        }

        // Every benchmark must measure a hit: fail the run rather than report a miss path.
        foreach (string key in _keys)
        {
            if (await _tieredLruCache.GetAsync(key) is not { Length: ValueBytes } || !_bitFasterLfu.TryGet(key, out _) || !_bitFasterForegroundLfu.TryGet(key, out _) || !_bitFasterExpiringLfu.TryGet(key, out _))
            {
                throw new InvalidOperationException($"The LRU TieredCache or a ConcurrentLfu does not hold {key}.");
            }

            if (!_memoryCache.TryGetValue(key, out object? found) || found is not byte[] { Length: ValueBytes })
            {
                throw new InvalidOperationException($"MemoryCache does not hold {key}.");
            }

            ValueTask<byte[]?> tiered = _tieredCache.GetAsync(key);
            if (!tiered.IsCompletedSuccessfully || tiered.Result is not { Length: ValueBytes })
            {
                throw new InvalidOperationException($"TieredCache does not serve {key} from level 1 synchronously.");
            }

            ValueTask<byte[]> hybrid = _hybridCache.GetOrCreateAsync(key, _value, static (v, _) => ValueTask.FromResult(v), _hybridEntryOptions);
            if (!hybrid.IsCompletedSuccessfully || hybrid.Result is not { Length: ValueBytes })
            {
                throw new InvalidOperationException($"HybridCache does not serve {key} from its local cache synchronously.");
            }
        }

        if (_tieredCache.GetStatistics() is not { L1Count: KeyCount, L1Hits: KeyCount, Misses: 0 })
        {
            throw new InvalidOperationException("TieredCache does not hold every key in level 1.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _tieredCache.Dispose();
        _tieredLruCache.Dispose();
        _memoryCache.Dispose();
        await _services.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = KeyCount), BenchmarkCategory("L1Hit")]
    public byte[]? L1Hit_MemoryCacheTryGetValue()
    {
        byte[]? last = null;
        foreach (string key in _keys)
        {
            _memoryCache.TryGetValue(key, out object? found);
            last = found as byte[];
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("L1Hit")]
    public byte[]? L1Hit_TieredCacheGetAsync_Lru()
    {
        byte[]? last = null;
        foreach (string key in _keys)
        {
            ValueTask<byte[]?> get = _tieredLruCache.GetAsync(key);
            last = get.IsCompletedSuccessfully ? get.Result : get.AsTask().GetAwaiter().GetResult();
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("L1Hit")]
    public byte[]? L1Hit_BitFasterConcurrentLfuTryGet()
    {
        byte[]? last = null;
        foreach (string key in _keys)
        {
            _bitFasterLfu.TryGet(key, out last);
        }

        return last;
    }

    /// <summary>BitFaster's W-TinyLFU with its maintenance on the reading thread (<c>ForegroundScheduler</c>), as level 1 drains its read buffer.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("L1Hit")]
    public byte[]? L1Hit_BitFasterConcurrentLfuTryGet_Foreground()
    {
        byte[]? last = null;
        foreach (string key in _keys)
        {
            _bitFasterForegroundLfu.TryGet(key, out last);
        }

        return last;
    }

    /// <summary>BitFaster's W-TinyLFU with a one-hour expire-after-write, the lifetime every TieredCache entry here has.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("L1Hit")]
    public byte[]? L1Hit_BitFasterConcurrentLfuTryGet_Expiring()
    {
        byte[]? last = null;
        foreach (string key in _keys)
        {
            _bitFasterExpiringLfu.TryGet(key, out last);
        }

        return last;
    }

    /// <summary>Level 1 under the default policy (W-TinyLFU).</summary>
    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("L1Hit")]
    public byte[]? L1Hit_TieredCacheGetAsync()
    {
        byte[]? last = null;
        foreach (string key in _keys)
        {
            ValueTask<byte[]?> get = _tieredCache.GetAsync(key);
            last = get.IsCompletedSuccessfully ? get.Result : get.AsTask().GetAwaiter().GetResult();
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("L1Hit")]
    public byte[]? L1Hit_TieredCacheGetOrCreateAsync()
    {
        byte[]? last = null;
        foreach (string key in _keys)
        {
            ValueTask<byte[]> get = _tieredCache.GetOrCreateAsync(key, _tieredFactory);
            last = get.IsCompletedSuccessfully ? get.Result : get.AsTask().GetAwaiter().GetResult();
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("L1Hit")]
    public byte[]? L1Hit_HybridCacheGetOrCreateAsync()
    {
        byte[]? last = null;
        foreach (string key in _keys)
        {
            ValueTask<byte[]> get = _hybridCache.GetOrCreateAsync(key, _value, static (v, _) => ValueTask.FromResult(v), _hybridEntryOptions);
            last = get.IsCompletedSuccessfully ? get.Result : get.AsTask().GetAwaiter().GetResult();
        }

        return last;
    }
}
