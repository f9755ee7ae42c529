using CortexHybrid.Caching;
using CortexHybrid.Caching.Policies;

namespace CortexHybrid.Tests.Caching.Policies;

/// <summary>Drives a <see cref="Level1Policy"/> the way level 1 does (get, then set on a miss; evict while over capacity), without the cache around it.</summary>
internal sealed class PolicySimulator(Level1Policy policy, int capacity)
{
    private readonly Dictionary<string, CacheEntry> _entries = new(StringComparer.Ordinal);

    public Level1Policy Policy { get; } = policy;

    public List<string> Evicted { get; } = [];

    public long Hits { get; private set; }

    public long Requests { get; private set; }

    public double HitRatio => (double)Hits / Requests;

    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>One request: true on a hit.</summary>
    public bool Access(string key)
    {
        Requests++;
        if (_entries.TryGetValue(key, out CacheEntry? entry))
        {
            Hits++;
            Policy.OnRead(entry);
            return true;
        }

        entry = new CacheEntry(key, [1], 1, compressed: false, long.MaxValue, tags: null) { Level = CacheLevel.Level1 };
        _entries.Add(key, entry);
        Policy.Add(entry);
        while (Policy.Count > capacity)
        {
            CacheEntry victim = Policy.SelectVictim();
            Policy.Remove(victim);
            _entries.Remove(victim.Key);
            Evicted.Add(victim.Key);
        }

        return false;
    }
}
