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
        using var cache = new TieredCache(new TieredCacheOptions { L1Capacity = capacity, L2Capacity = 0, L3Capacity = 0 });
        byte[] value = new byte[16];
        long hits = 0;
        foreach (string key in Web07.Value)
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

        double hitRatio = (double)hits / Web07.Value.Length;
        Assert.Equal(76_118, Web07.Value.Length);
        Assert.True(hitRatio >= lruHitRatio - 0.00005, $"hit ratio {hitRatio:P2} at {capacity:N0} entries, below LRU's {lruHitRatio:P2}");
        Assert.Equal(hits, cache.GetStatistics().L1Hits);
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
}
