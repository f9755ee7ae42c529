namespace CortexHybrid.Benchmarks;

/// <summary>Access patterns made up for the hit-ratio tool: a loop larger than the cache, and Zipf traffic with scans through it.</summary>
public static class SyntheticWorkloads
{
    /// <summary>Keys 0 to <paramref name="keys"/> − 1 in order, <paramref name="cycles"/> times (a batch job looping over a data set).</summary>
    public static CacheTrace Loop(int keys, int cycles)
    {
        int[] accesses = new int[keys * cycles];
        for (int i = 0; i < accesses.Length; i++)
        {
            accesses[i] = i % keys;
        }

        return CacheTrace.FromKeys("loop", accesses);
    }

    /// <summary>
    /// Zipf(<paramref name="exponent"/>) over <paramref name="keys"/> keys, <paramref name="accesses"/>
    /// draws, and after every <paramref name="every"/> draws a scan of <paramref name="scanLength"/>
    /// keys never used before (a crawler passing over an interactive cache).
    /// </summary>
    public static CacheTrace ZipfWithScans(int keys, int accesses, double exponent, int every, int scanLength, int seed)
    {
        int[] ranks = new ZipfKeys(keys, exponent, seed).Take(accesses);
        var trace = new List<int>(accesses + (accesses / every * scanLength));
        int nextScanKey = keys;
        for (int i = 0; i < ranks.Length; i++)
        {
            trace.Add(ranks[i]);
            if ((i + 1) % every == 0)
            {
                for (int j = 0; j < scanLength; j++)
                {
                    trace.Add(nextScanKey++);
                }
            }
        }

        return CacheTrace.FromKeys("zipf+scan", trace.ToArray());
    }
}
