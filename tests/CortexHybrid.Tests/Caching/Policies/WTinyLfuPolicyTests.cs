using CortexHybrid.Caching;
using CortexHybrid.Caching.Policies;

namespace CortexHybrid.Tests.Caching.Policies;

public sealed class WTinyLfuPolicyTests
{
    [Fact]
    public void Admission_rejects_a_one_hit_key_against_a_frequent_victim()
    {
        var simulator = new PolicySimulator(new WTinyLfuPolicy(100, maxBytes: null), 100);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                simulator.Access($"hot-{i}");
            }
        }

        for (int i = 0; i < 50; i++)
        {
            simulator.Access($"once-{i}");
        }

        // Every one-hit key but the newest (still in the window) was refused at admission; at most
        // one hot key left: the one the window held, refused on a tie with probation's oldest.
        Assert.Equal(Enumerable.Range(0, 49).Select(i => $"once-{i}"), simulator.Evicted.Where(key => key.StartsWith("once-", StringComparison.Ordinal)));
        Assert.True(simulator.Contains("once-49"));
        Assert.InRange(Enumerable.Range(0, 100).Count(i => simulator.Contains($"hot-{i}")), 99, 100);
    }

    [Fact]
    public void Exact_LRU_lets_the_same_one_hit_keys_push_frequent_ones_out()
    {
        var simulator = new PolicySimulator(new LruPolicy(), 100);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                simulator.Access($"hot-{i}");
            }
        }

        for (int i = 0; i < 50; i++)
        {
            simulator.Access($"once-{i}");
        }

        Assert.Equal(50, simulator.Evicted.Count);
        Assert.All(simulator.Evicted, key => Assert.StartsWith("hot-", key));
    }

    [Fact]
    public void A_loop_larger_than_the_cache_keeps_at_least_45_percent()
    {
        var simulator = new PolicySimulator(new WTinyLfuPolicy(512, maxBytes: null), 512);
        for (int i = 0; i < 1_011 * 100; i++)
        {
            simulator.Access((i % 1_011).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.True(simulator.HitRatio >= 0.45, $"hit ratio {simulator.HitRatio:P2} on a 1,011-key loop through 512 entries");
    }

    [Fact]
    public void The_window_grows_on_recency_heavy_traffic_and_stays_small_on_a_loop()
    {
        var recency = new WTinyLfuPolicy(500, maxBytes: null);
        var simulator = new PolicySimulator(recency, 500);
        var random = new Random(7);
        int next = 0;
        for (int i = 0; i < 200_000; i++)
        {
            // Half the requests are for new keys, half for one of the 300 newest: LRU keeps them all.
            int key = random.Next(2) == 0 || next < 300 ? next++ : next - 1 - random.Next(300);
            simulator.Access(key.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var loop = new WTinyLfuPolicy(512, maxBytes: null);
        var looping = new PolicySimulator(loop, 512);
        for (int i = 0; i < 1_011 * 100; i++)
        {
            looping.Access((i % 1_011).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.True(recency.WindowShare >= 0.3, $"window share {recency.WindowShare:P1} on recency-heavy traffic (started at {WTinyLfuPolicy.InitialWindowShare:P0})");
        Assert.True(simulator.HitRatio >= 0.45, $"hit ratio {simulator.HitRatio:P2}: LRU would hit every re-read (50%)");
        Assert.True(loop.WindowShare <= 0.05, $"window share {loop.WindowShare:P1} on the loop");
    }

    [Fact]
    public void Byte_budget_limits_apply_to_every_region()
    {
        var policy = new WTinyLfuPolicy(1_000, maxBytes: 10_000);
        var entries = new List<CacheEntry>();
        for (int i = 0; i < 200; i++)
        {
            var entry = new CacheEntry($"k{i}", new byte[100 + (i % 7 * 50)], 100 + (i % 7 * 50), compressed: false, long.MaxValue, tags: null) { Level = CacheLevel.Level1 };
            policy.Add(entry);
            if (i % 3 == 0 && i > 0 && entries[i - 1].Level == CacheLevel.Level1)
            {
                policy.OnRead(entries[i - 1]);
            }

            entries.Add(entry);
            while (policy.StoredBytes > 10_000)
            {
                CacheEntry victim = policy.SelectVictim();
                policy.Remove(victim);
                victim.Level = CacheLevel.None;
            }
        }

        Assert.InRange(policy.StoredBytes, 1, 10_000);
        Assert.Equal(entries.Count(e => e.Level == CacheLevel.Level1), policy.Count);
        Assert.Equal(entries.Where(e => e.Level == CacheLevel.Level1).Sum(e => (long)e.StoredLength), policy.StoredBytes);
    }
}
