using System.Text;
using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;

namespace CortexHybrid.Tests.Caching;

/// <summary>Payloads, options and small helpers shared by the cache tests.</summary>
internal static class CacheTestData
{
    /// <summary>The sizes the round-trip tests cover: empty, one byte, either side of the compression threshold, small and large.</summary>
    public static readonly int[] Sizes = [0, 1, 63, 64, 1000, 100_000];

    /// <summary>Bytes no compressor can shrink by an eighth (seeded, so a failure can be reproduced).</summary>
    public static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A JSON-like, highly compressible payload of exactly <paramref name="length"/> bytes.</summary>
    public static byte[] JsonLike(int length)
    {
        var text = new StringBuilder(length + 64);
        text.Append('[');
        for (int i = 0; text.Length < length; i++)
        {
            text.Append("{\"id\":").Append(i).Append(",\"name\":\"item-").Append(i % 10).Append("\",\"active\":true},");
        }

        return Encoding.UTF8.GetBytes(text.ToString(0, length));
    }

    public static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    /// <summary>A level 3 the test can look into directly; on the system clock, so only the cache's own expiry applies within a test.</summary>
    public static MemoryDistributedCache NewDistributedCache() =>
        new(Microsoft.Extensions.Options.Options.Create(new MemoryDistributedCacheOptions()));

    /// <summary>A cache name no other test uses (metrics are filtered by it).</summary>
    public static string UniqueName() => "tests-" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Options with small capacities so that a few writes push entries down the levels. Level 1 is
    /// an exact LRU here, so that which entry moves down is the least recently used one (the
    /// W-TinyLFU tests state their own options).
    /// </summary>
    public static TieredCacheOptions Small(int l1 = 1, int l2 = 1, int l3 = 10, int promotionThreshold = 2, CachePolicy policy = CachePolicy.Lru) => new()
    {
        Level1Policy = policy,
        L1Capacity = l1,
        L2Capacity = l2,
        L3Capacity = l3,
        PromotionThreshold = promotionThreshold,
        Name = UniqueName(),
    };

    /// <summary>Writes each key with the value from <paramref name="valueOf"/>, in order (so the first key is the least recently used).</summary>
    public static async Task SetAllAsync(this TieredCache cache, Func<string, byte[]> valueOf, params string[] keys)
    {
        foreach (string key in keys)
        {
            await cache.SetAsync(key, valueOf(key));
        }
    }

    /// <summary>A 100-byte incompressible value per key, so sizes in the statistics are exact.</summary>
    public static byte[] Value100(string key) => RandomBytes(100, StringComparer.Ordinal.GetHashCode(key));

    /// <summary>A value that names its key, for checks that a read returned this key's value.</summary>
    public static byte[] Named(string key) => Text("value of " + key);

    public static bool Holds(this IDistributedCache level3, string key) => level3.Get(key) is not null;
}
