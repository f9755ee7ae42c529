using System.Buffers;
using System.Diagnostics;
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
    /// <param name="now">The timestamp the window ends at.</param>
    /// <param name="windowsTogether">Unless empty, the window's counts are added into it too (the monitor's p95 over every operation).</param>
    public (LatencyDistribution Window, LatencyDistribution SinceStart) Snapshot(long now, Span<long> windowsTogether = default)
    {
        // Pooled: a status call snapshots every operation, and 36 KiB arrays per operation per
        // call would keep the collector busy under a status load.
        long current = now / _sliceTicks;
        long[] windowArray = ArrayPool<long>.Shared.Rent(LatencyHistogram.BucketCount);
        long[] totalArray = ArrayPool<long>.Shared.Rent(LatencyHistogram.BucketCount);
        try
        {
            Span<long> window = windowArray.AsSpan(0, LatencyHistogram.BucketCount);
            Span<long> total = totalArray.AsSpan(0, LatencyHistogram.BucketCount);
            window.Clear();
            long windowSum = 0;
            long totalSum;
            lock (_rotation)
            {
                _retired.CopyTo(total);
                totalSum = _retiredSum;
                foreach (Slice slice in _slices)
                {
                    long epoch = Volatile.Read(ref slice.Epoch);
                    if (epoch < 0)
                    {
                        continue;
                    }

                    long sum = slice.SumNanoseconds.Sum();
                    totalSum += sum;
                    if (epoch > current - _slices.Length && epoch <= current)
                    {
                        slice.Histogram.AddTo(total, window);
                        windowSum += sum;
                    }
                    else
                    {
                        slice.Histogram.AddTo(total);
                    }
                }
            }

            if (!windowsTogether.IsEmpty)
            {
                Debug.Assert(windowsTogether.Length == LatencyHistogram.BucketCount);
                for (int i = 0; i < window.Length; i++)
                {
                    windowsTogether[i] += window[i];
                }
            }

            return (LatencyDistribution.FromCounts(window, windowSum), LatencyDistribution.FromCounts(total, totalSum));
        }
        finally
        {
            ArrayPool<long>.Shared.Return(windowArray);
            ArrayPool<long>.Shared.Return(totalArray);
        }
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
