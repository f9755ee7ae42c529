namespace CortexHybrid.Metrics;

/// <summary>Percentiles and extremes of a set of durations, in milliseconds, taken from a histogram's counts.</summary>
/// <remarks>
/// Percentiles, minimum and maximum come from buckets at most 1/128 of their value wide, reported at
/// their midpoint: within 0.4% of a recorded value from 1 µs to an hour (exact below 256 ns). The
/// mean is exact. Milliseconds as <see cref="double"/> because <see cref="TimeSpan"/>'s 100 ns
/// ticks would round a 1 µs latency by up to 10%. All zero without samples.
/// </remarks>
public sealed record LatencyDistribution
{
    /// <summary>Samples.</summary>
    public required long Count { get; init; }

    /// <summary>The mean, in milliseconds.</summary>
    public required double MeanMilliseconds { get; init; }

    /// <summary>The smallest sample, in milliseconds.</summary>
    public required double MinMilliseconds { get; init; }

    /// <summary>The median, in milliseconds.</summary>
    public required double P50Milliseconds { get; init; }

    /// <summary>The 95th percentile, in milliseconds.</summary>
    public required double P95Milliseconds { get; init; }

    /// <summary>The 99th percentile, in milliseconds.</summary>
    public required double P99Milliseconds { get; init; }

    /// <summary>The largest sample, in milliseconds.</summary>
    public required double MaxMilliseconds { get; init; }

    /// <summary>No samples.</summary>
    public static LatencyDistribution Empty { get; } = new()
    {
        Count = 0, MeanMilliseconds = 0, MinMilliseconds = 0, P50Milliseconds = 0, P95Milliseconds = 0, P99Milliseconds = 0, MaxMilliseconds = 0,
    };

    /// <summary>
    /// From bucket counts: the p-th percentile is the value of the bucket holding the sample of rank
    /// ceil(p × count) (nearest rank).
    /// </summary>
    internal static LatencyDistribution FromCounts(ReadOnlySpan<long> counts, long sumNanoseconds)
    {
        long total = 0;
        int lowest = -1, highest = -1;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                total += counts[i];
                lowest = lowest < 0 ? i : lowest;
                highest = i;
            }
        }

        if (total == 0)
        {
            return Empty;
        }

        return new LatencyDistribution
        {
            Count = total,
            MeanMilliseconds = sumNanoseconds / (double)total / 1e6,
            MinMilliseconds = LatencyHistogram.ValueOf(lowest) / 1e6,
            P50Milliseconds = Percentile(counts, total, 0.50, lowest) / 1e6,
            P95Milliseconds = Percentile(counts, total, 0.95, lowest) / 1e6,
            P99Milliseconds = Percentile(counts, total, 0.99, lowest) / 1e6,
            MaxMilliseconds = LatencyHistogram.ValueOf(highest) / 1e6,
        };
    }

    /// <summary>The value at <paramref name="fraction"/> of <paramref name="total"/> samples; the scan starts at <paramref name="from"/>, a bucket no lower than the lowest counted.</summary>
    internal static long Percentile(ReadOnlySpan<long> counts, long total, double fraction, int from = 0)
    {
        long rank = Math.Max(1, (long)Math.Ceiling(fraction * total));
        long seen = 0;
        for (int i = from; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return LatencyHistogram.ValueOf(i);
            }
        }

        return 0;
    }
}
