using System.Buffers.Binary;
using System.Diagnostics;
using CortexHybrid.Caching;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// Level 1 on a real access trace (web07, CC BY 4.0, headissue GmbH / Jens Wilke: see
/// Traces/README.md) must reach the exact-LRU hit ratio: MemoryCache over its SizeLimit rejects
/// new entries instead, and falls ten points below it on this trace.
/// </summary>
public sealed class TieredCacheTraceTests
{
    private static readonly Lazy<string[]> Web07 = new(() => Load(Path.Combine(AppContext.BaseDirectory, "Caching", "Traces", "web07.trace.xz")));

    [Theory]
    [InlineData(500, 0.4558)]
    [InlineData(2_000, 0.5550)]
    public async Task Level1_alone_reaches_the_LRU_hit_ratio_of_the_web07_trace(int capacity, double lruHitRatio)
    {
        using var cache = new TieredCache(new TieredCacheOptions { L1Capacity = capacity, L2Capacity = 0, L3Capacity = 0, Level1Policy = CachePolicy.Lru });
        long hits = await ReplayAsync(cache, Web07.Value);
        double hitRatio = (double)hits / Web07.Value.Length;
        Assert.Equal(76_118, Web07.Value.Length);
        Assert.True(hitRatio >= lruHitRatio - 0.00005, $"hit ratio {hitRatio:P2} at {capacity:N0} entries, below LRU's {lruHitRatio:P2}");
        Assert.Equal(hits, cache.GetStatistics().L1Hits);
    }

    /// <summary>
    /// W-TinyLFU floors a little under what it measured (cache-hit-ratio, README): 49.7% at 500
    /// entries (BitFaster ConcurrentLfu 49.2%, exact LRU 45.6%), 57.3% at 2,000 (ConcurrentLru
    /// 57.6%, ConcurrentLfu 54.9%). The policy is deterministic, so a drop below is a regression.
    /// </summary>
    [Theory]
    [InlineData(500, 0.490)]
    [InlineData(2_000, 0.570)]
    public async Task Level1_W_TinyLFU_stays_above_its_floor_on_the_web07_trace(int capacity, double floor)
    {
        using var cache = new TieredCache(new TieredCacheOptions { L1Capacity = capacity, L2Capacity = 0, L3Capacity = 0, Level1Policy = CachePolicy.WTinyLfu });
        long hits = await ReplayAsync(cache, Web07.Value);
        double hitRatio = (double)hits / Web07.Value.Length;
        Assert.True(hitRatio >= floor, $"hit ratio {hitRatio:P2} at {capacity:N0} entries, below the floor {floor:P1}");
        Assert.Equal(hits, cache.GetStatistics().L1Hits);
    }

    /// <summary>A 1,011-key loop through 512 entries: exact LRU hits nothing, W-TinyLFU about half (measured 49.2%).</summary>
    [Theory]
    [InlineData(CachePolicy.WTinyLfu, 0.45, 1.0)]
    [InlineData(CachePolicy.Lru, 0.0, 0.0)]
    public async Task Level1_on_a_loop_larger_than_itself(CachePolicy policy, double floor, double ceiling)
    {
        using var cache = new TieredCache(new TieredCacheOptions { L1Capacity = 512, L2Capacity = 0, L3Capacity = 0, Level1Policy = policy });
        const int accesses = 1_011 * 100;
        string[] keys = [.. Enumerable.Range(0, accesses).Select(i => (i % 1_011).ToString(System.Globalization.CultureInfo.InvariantCulture))];
        long hits = await ReplayAsync(cache, keys);
        double hitRatio = (double)hits / accesses;
        Assert.InRange(hitRatio, floor, ceiling);
    }

    private static string[] Load(string path)
    {
        using var xz = Process.Start(new ProcessStartInfo("xz", ["-dc", path]) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("xz did not start (Debian package xz-utils).");
        using var bytes = new MemoryStream();
        xz.StandardOutput.BaseStream.CopyTo(bytes);
        xz.WaitForExit();
        Assert.Equal(0, xz.ExitCode);
        ReadOnlySpan<byte> data = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        string[] keys = new string[data.Length / 4];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = BinaryPrimitives.ReadInt32BigEndian(data[(i * 4)..]).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return keys;
    }

    /// <summary>Reads each key, storing a 16-byte value on a miss; returns the hits.</summary>
    private static async Task<long> ReplayAsync(TieredCache cache, string[] keys)
    {
        byte[] value = new byte[16];
        long hits = 0;
        foreach (string key in keys)
        {
            if (await cache.GetAsync(key) is not null)
            {
                hits++;
            }
            else
            {
                await cache.SetAsync(key, value);
            }
        }

        return hits;
    }
}
