namespace CortexHybrid.Metrics;

/// <summary>Count, total, minimum and maximum of one named span, recorded without locks.</summary>
internal sealed class SpanStatistics(string name)
{
    private long _count;
    private long _totalTicks;
    private long _minTicks = long.MaxValue;
    private long _maxTicks;

    public string Name { get; } = name;

    public void Record(TimeSpan elapsed)
    {
        long ticks = elapsed.Ticks;
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _totalTicks, ticks);
        long min;
        while (ticks < (min = Volatile.Read(ref _minTicks)) && Interlocked.CompareExchange(ref _minTicks, ticks, min) != min)
        {
        }

        long max;
        while (ticks > (max = Volatile.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, ticks, max) != max)
        {
        }
    }

    /// <summary>
    /// The figures now. The four fields are updated one after another, so a read racing a record
    /// can see a count without its time or the reverse; the minimum and maximum are then widened
    /// to the mean, so a snapshot always satisfies min ≤ mean ≤ max (off by the spans in flight).
    /// </summary>
    public SpanFigures Snapshot()
    {
        long count = Volatile.Read(ref _count);
        if (count == 0)
        {
            return new SpanFigures { Name = Name, Count = 0, TotalMilliseconds = 0, MeanMilliseconds = 0, MinMilliseconds = 0, MaxMilliseconds = 0 };
        }

        double total = Volatile.Read(ref _totalTicks);
        double mean = total / count;
        long minTicks = Volatile.Read(ref _minTicks);
        double min = minTicks == long.MaxValue ? mean : Math.Min(minTicks, mean);
        double max = Math.Max(Volatile.Read(ref _maxTicks), mean);
        const double PerMillisecond = TimeSpan.TicksPerMillisecond;
        return new SpanFigures
        {
            Name = Name,
            Count = count,
            TotalMilliseconds = total / PerMillisecond,
            MeanMilliseconds = mean / PerMillisecond,
            MinMilliseconds = min / PerMillisecond,
            MaxMilliseconds = max / PerMillisecond,
        };
    }
}
