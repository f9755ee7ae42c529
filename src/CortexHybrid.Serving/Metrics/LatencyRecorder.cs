using CortexHybrid.Concurrency;

namespace CortexHybrid.Metrics;

/// <summary>
/// The durations of one operation (or stage): a histogram per time slice of the sliding window,
/// plus everything older folded into a since-start total. Recording touches only the current
/// slice (two interlocked operations); a slice is emptied into the total, under a lock, once per
/// slice period when its time comes round again.
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly Slice[] _slices;
    private readonly long _sliceTicks;
    private readonly long _frequency;
    private readonly long[] _retired = new long[LatencyHistogram.BucketCount];
    private readonly Lock _rotation = new();
    private long _retiredSum;

    public LatencyRecorder(string name, TimeSpan window, int slices, long timestampFrequency)
    {
        Name = name;
        _frequency = timestampFrequency;
        _sliceTicks = SliceTicks(window, slices, timestampFrequency);
        _slices = new Slice[slices];
        for (int i = 0; i < slices; i++)
        {
            _slices[i] = new Slice();
        }
    }

    public string Name { get; }

    /// <summary>The length of one window slice in timestamp ticks.</summary>
    public static long SliceTicks(TimeSpan window, int slices, long timestampFrequency) =>
        Math.Max(1, (long)(window.TotalSeconds / slices * timestampFrequency));

    /// <summary>Records a duration that ended at <paramref name="timestamp"/>.</summary>
    public void Record(long timestamp, long nanoseconds)
    {
        long epoch = timestamp / _sliceTicks;
        Slice slice = _slices[(int)(epoch % _slices.Length)];
        if (Volatile.Read(ref slice.Epoch) != epoch)
        {
            Rotate(slice, epoch);
        }

        slice.Histogram.Record(nanoseconds);
        slice.SumNanoseconds.Add(nanoseconds);
    }

    public long ToNanoseconds(long timestampTicks) =>
        _frequency == 1_000_000_000 ? timestampTicks : (long)(timestampTicks * (1e9 / _frequency));

    /// <summary>The window (the slices of the last window period, the current one included) and everything since start.</summary>
    public (LatencyDistribution Window, LatencyDistribution SinceStart) Snapshot(long now)
    {
        long current = now / _sliceTicks;
        var window = new long[LatencyHistogram.BucketCount];
        long windowSum = 0;
        long[] total;
        long totalSum;
        lock (_rotation)
        {
            total = (long[])_retired.Clone();
            totalSum = _retiredSum;
            foreach (Slice slice in _slices)
            {
                long epoch = Volatile.Read(ref slice.Epoch);
                if (epoch < 0)
                {
                    continue;
                }

                long sum = slice.SumNanoseconds.Sum();
                slice.Histogram.AddTo(total);
                totalSum += sum;
                if (epoch > current - _slices.Length && epoch <= current)
                {
                    slice.Histogram.AddTo(window);
                    windowSum += sum;
                }
            }
        }

        return (LatencyDistribution.FromCounts(window, windowSum), LatencyDistribution.FromCounts(total, totalSum));
    }

    /// <summary>Adds the window's counts into <paramref name="counts"/> and returns how many that was.</summary>
    public long AddWindowTo(long[] counts, long now)
    {
        long current = now / _sliceTicks;
        var window = new long[LatencyHistogram.BucketCount];
        lock (_rotation)
        {
            foreach (Slice slice in _slices)
            {
                long epoch = Volatile.Read(ref slice.Epoch);
                if (epoch >= 0 && epoch > current - _slices.Length && epoch <= current)
                {
                    slice.Histogram.AddTo(window);
                }
            }
        }

        long total = 0;
        for (int i = 0; i < window.Length; i++)
        {
            counts[i] += window[i];
            total += window[i];
        }

        return total;
    }

    private void Rotate(Slice slice, long epoch)
    {
        lock (_rotation)
        {
            if (slice.Epoch < epoch)
            {
                // Samples recorded into the old slice while this runs land in the new one: late,
                // never lost.
                slice.Histogram.DrainInto(_retired);
                _retiredSum += slice.SumNanoseconds.Drain();
                Volatile.Write(ref slice.Epoch, epoch);
            }
        }
    }

    private sealed class Slice
    {
        public readonly LatencyHistogram Histogram = new();
        public long Epoch = -1;
        /// <summary>Striped: every record adds to it, and two threads adding to one line would serialize on it.</summary>
        public readonly StripedCounter SumNanoseconds = new(maxStripes: 16);
    }
}
