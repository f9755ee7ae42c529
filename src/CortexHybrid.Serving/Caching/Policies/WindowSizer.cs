namespace CortexHybrid.Caching.Policies;

/// <summary>
/// Chooses W-TinyLFU's window share by miniature simulation: a fixed sample of keys (by hash, about
/// one in eight for large caches) is replayed through one <see cref="ShadowCache"/> per candidate
/// share, each scaled down by the sampling rate, all on the same requests; every
/// <see cref="Period"/> sampled requests the share whose shadow hit most (by a margin of
/// <see cref="Hysteresis"/> over the current one) (hits halved each period,
/// so the recent past weighs most) becomes the target. Comparing shares on the same traffic, rather
/// than one share now against another a sample ago, keeps phase changes in the workload from
/// steering the window (they do steer a hill climber on the traces measured here).
/// </summary>
internal sealed class WindowSizer
{
    /// <summary>The shares tried, from nearly pure frequency to nearly pure recency.</summary>
    public static readonly double[] Shares = [0.01, 0.1, 0.2, 0.35, 0.5, 0.8];

    /// <summary>Sampled requests per period, per shadow entry (Caffeine samples 10 × capacity requests).</summary>
    public const int PeriodPerEntry = 10;

    /// <summary>Another share becomes the target only when its shadow hit this much more (relative) than the current one's.</summary>
    public const double Hysteresis = 0.02;

    /// <summary>Shadows hold at least this many entries (the sampling rate rises for small caches).</summary>
    public const int MinShadowCapacity = 64;

    /// <summary>Shadows hold at most this many entries (the sampling rate falls for large caches), so six of them stay under a few MiB.</summary>
    public const int MaxShadowCapacity = 4_096;

    private readonly ShadowCache[] _shadows;
    private readonly FrequencySketch _sketch;
    private readonly uint _threshold;
    private int _sampled;
    private int _current;

    /// <summary>A sizer for level 1 of <paramref name="capacity"/> entries.</summary>
    public WindowSizer(int capacity)
    {
        int shadowCapacity = Math.Min(capacity, Math.Clamp(capacity / 8, MinShadowCapacity, MaxShadowCapacity));
        double rate = (double)shadowCapacity / capacity;
        _threshold = rate >= 1 ? uint.MaxValue : (uint)(rate * uint.MaxValue);
        _shadows = new ShadowCache[Shares.Length];
        for (int i = 0; i < _shadows.Length; i++)
        {
            _shadows[i] = new ShadowCache(shadowCapacity, Shares[i]);
        }

        _sketch = new FrequencySketch(shadowCapacity);
        Period = (int)Math.Min(int.MaxValue, (long)PeriodPerEntry * shadowCapacity);
    }

    /// <summary>Sampled requests between two choices.</summary>
    public int Period { get; }

    /// <summary>The share chosen last (the first share until a period has passed).</summary>
    public double Target { get; private set; } = Shares[0];

    /// <summary>Feeds one request for the key with <paramref name="hash"/>; true when a new target was chosen.</summary>
    public bool Record(int hash)
    {
        if (unchecked((uint)hash * 0x9E3779B1u) > _threshold)
        {
            return false;
        }

        _sketch.Increment(hash);
        foreach (ShadowCache shadow in _shadows)
        {
            shadow.Access(hash, _sketch);
        }

        if (++_sampled < Period)
        {
            return false;
        }

        _sampled = 0;
        ShadowCache best = _shadows[_current];
        double bar = best.Hits * (1 + Hysteresis);
        for (int i = 0; i < _shadows.Length; i++)
        {
            ShadowCache shadow = _shadows[i];
            if (shadow.Hits > bar && shadow.Hits > best.Hits)
            {
                best = shadow;
                _current = i;
            }
        }

        Target = best.WindowShare;
        foreach (ShadowCache shadow in _shadows)
        {
            shadow.Hits /= 2;
        }

        return true;
    }

    /// <summary>Forgets everything (the cache was cleared).</summary>
    public void Reset()
    {
        foreach (ShadowCache shadow in _shadows)
        {
            shadow.Clear();
        }

        _sketch.Clear();
        _sampled = 0;
        _current = 0;
        Target = Shares[0];
    }
}
