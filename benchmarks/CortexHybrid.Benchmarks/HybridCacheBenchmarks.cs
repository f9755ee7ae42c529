using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// A level 1 hit through <see cref="HybridCache.GetOrCreateAsync{TState, T}(string, TState, Func{TState, CancellationToken, ValueTask{T}}, HybridCacheEntryOptions?, IEnumerable{string}?, CancellationToken)"/>:
/// <see cref="TieredHybridCache"/> against Microsoft's own implementation (the baseline of each
/// category), for three kinds of value: a 1 KB <see cref="byte"/>[], a 100-character
/// <see cref="string"/> and a small record stored as JSON. Each value sits under
/// <see cref="KeyCount"/> keys, read in turn (so every TieredCache hit also moves its entry in level
/// 1's recency order); times are per read.
/// </summary>
/// <remarks>
/// Both implementations follow the same sharing rule: <see cref="byte"/>[] and the record are
/// mutable, so every hit returns a fresh copy or deserialization; <see cref="string"/> is immutable,
/// so a hit returns the instance decoded once. Microsoft's is built as
/// <c>new ServiceCollection().AddHybridCache()</c> and resolved from the container; both get the same
/// entry options and the same static (closure-free) factory.
/// </remarks>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class HybridCacheBenchmarks
{
    public const int KeyCount = 4;
    public const int ValueBytes = 1024;
    public const int TextChars = 100;

    private static readonly TimeSpan _lifetime = TimeSpan.FromHours(1);
    private static readonly HybridCacheEntryOptions _entryOptions = new() { Expiration = _lifetime, LocalCacheExpiration = _lifetime };

    private readonly string[] _byteKeys = new string[KeyCount];
    private readonly string[] _textKeys = new string[KeyCount];
    private readonly string[] _recordKeys = new string[KeyCount];
    private byte[] _bytes = [];
    private string _text = "";
    private Product _record = null!;
    private TieredCache _tieredCache = null!;
    private TieredHybridCache _tiered = null!;
    private ServiceProvider _services = null!;
    private HybridCache _microsoft = null!;

    /// <summary>A small record of a few fields, as an app might cache a row (about 90 bytes of JSON).</summary>
    public sealed record Product(int Id, string Name, decimal Price, bool InStock, DateTime Updated);

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _bytes = new byte[ValueBytes];
        new Random(42).NextBytes(_bytes);
        _text = string.Create(TextChars, 0, static (chars, _) =>
        {
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)('a' + (i % 26));
            }
        });
        _record = new Product(1234, "Wireless noise-cancelling headphones", 199.99m, true, new DateTime(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc));
        for (int i = 0; i < KeyCount; i++)
        {
            _byteKeys[i] = $"bytes:{i:D6}";
            _textKeys[i] = $"text:{i:D6}";
            _recordKeys[i] = $"product:{i:D6}";
        }

        _tieredCache = new TieredCache(new TieredCacheOptions { L1Capacity = 1_000, L2Capacity = 0, L3Capacity = 0, DefaultTtl = _lifetime });
        _tiered = new TieredHybridCache(_tieredCache);
        _services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        _microsoft = _services.GetRequiredService<HybridCache>();

        foreach (HybridCache cache in new[] { _tiered, _microsoft })
        {
            for (int i = 0; i < KeyCount; i++)
            {
                await cache.SetAsync(_byteKeys[i], _bytes, _entryOptions);
                await cache.SetAsync(_textKeys[i], _text, _entryOptions);
                await cache.SetAsync(_recordKeys[i], _record, _entryOptions);
            }
        }

        // Every benchmark must measure a synchronous level 1 hit: fail the run rather than report a miss path.
        foreach (HybridCache cache in new[] { _tiered, _microsoft })
        {
            string name = cache.GetType().Name;
            for (int i = 0; i < KeyCount; i++)
            {
                Check(cache.GetOrCreateAsync(_byteKeys[i], _bytes, Unexpected, _entryOptions), v => v.AsSpan().SequenceEqual(_bytes) && !ReferenceEquals(v, _bytes), name);
                Check(cache.GetOrCreateAsync(_textKeys[i], _text, Unexpected, _entryOptions), v => v == _text, name);
                Check(cache.GetOrCreateAsync(_recordKeys[i], _record, Unexpected, _entryOptions), v => v == _record && !ReferenceEquals(v, _record), name);
            }
        }

        if (_tieredCache.GetStatistics() is not { L1Count: 3 * KeyCount, L1Hits: 3 * KeyCount, Misses: 0 })
        {
            throw new InvalidOperationException("TieredCache does not hold every key in level 1.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _tieredCache.Dispose();
        await _services.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = KeyCount), BenchmarkCategory("ByteArray1KB")]
    public byte[] Bytes_MicrosoftHybridCache() => ReadAll(_microsoft, _byteKeys, _bytes);

    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("ByteArray1KB")]
    public byte[] Bytes_TieredHybridCache() => ReadAll(_tiered, _byteKeys, _bytes);

    [Benchmark(Baseline = true, OperationsPerInvoke = KeyCount), BenchmarkCategory("String100")]
    public string String_MicrosoftHybridCache() => ReadAll(_microsoft, _textKeys, _text);

    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("String100")]
    public string String_TieredHybridCache() => ReadAll(_tiered, _textKeys, _text);

    [Benchmark(Baseline = true, OperationsPerInvoke = KeyCount), BenchmarkCategory("JsonRecord")]
    public Product Record_MicrosoftHybridCache() => ReadAll(_microsoft, _recordKeys, _record);

    [Benchmark(OperationsPerInvoke = KeyCount), BenchmarkCategory("JsonRecord")]
    public Product Record_TieredHybridCache() => ReadAll(_tiered, _recordKeys, _record);

    private static T ReadAll<T>(HybridCache cache, string[] keys, T state)
    {
        T last = default!;
        foreach (string key in keys)
        {
            ValueTask<T> get = cache.GetOrCreateAsync(key, state, static (v, _) => ValueTask.FromResult(v), _entryOptions);
            last = get.IsCompletedSuccessfully ? get.Result : get.AsTask().GetAwaiter().GetResult();
        }

        return last;
    }

    private static ValueTask<T> Unexpected<T>(T state, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A factory ran during setup's hit check.");

    private static void Check<T>(ValueTask<T> hit, Func<T, bool> expected, string cache)
    {
        if (!hit.IsCompletedSuccessfully || !expected(hit.Result))
        {
            throw new InvalidOperationException($"{cache} does not serve a {typeof(T).Name} from level 1 synchronously, or serves the wrong value.");
        }
    }
}
