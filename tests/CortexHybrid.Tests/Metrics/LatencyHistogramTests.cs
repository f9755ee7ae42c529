using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

public sealed class LatencyHistogramTests
{
    private const long Microsecond = 1_000;
    private const long Hour = 3_600_000_000_000;

    /// <summary>Values from 1 µs to 1 h: a geometric sweep, every power of two with its neighbours, and seeded random ones.</summary>
    private static List<long> Values()
    {
        var values = new SortedSet<long>();
        for (double v = Microsecond; v <= Hour; v *= 1.0007)
        {
            values.Add((long)v);
        }

        for (int bit = 9; bit < 42; bit++)
        {
            long power = 1L << bit;
            foreach (long v in (long[])[power - 1, power, power + 1, power + (power / 2), (power * 3 / 2) - 1])
            {
                if (v is >= Microsecond and <= Hour)
                {
                    values.Add(v);
                }
            }
        }

        var random = new Random(42);
        for (int i = 0; i < 20_000; i++)
        {
            values.Add(random.NextInt64(Microsecond, Hour + 1));
        }

        values.Add(Microsecond);
        values.Add(Hour);
        return [.. values];
    }

    [Fact]
    public void Values_below_256_ns_are_exact()
    {
        for (long v = 0; v < 256; v++)
        {
            int index = LatencyHistogram.IndexOf(v);
            Assert.Equal(v, LatencyHistogram.ValueOf(index));
            Assert.Equal((v, 1L), LatencyHistogram.RangeOf(index));
        }
    }

    [Fact]
    public void Every_value_from_1_microsecond_to_1_hour_comes_back_within_0_4_percent()
    {
        List<long> values = Values();
        Assert.True(values.Count > 50_000);
        foreach (long v in values)
        {
            long back = LatencyHistogram.ValueOf(LatencyHistogram.IndexOf(v));
            double error = Math.Abs(back - v) / (double)v;
            Assert.True(error <= 0.004, $"{v} ns comes back as {back} ns ({error:P3})");
        }
    }

    [Fact]
    public void Powers_of_two_and_their_neighbours_come_back_within_0_4_percent_and_in_the_right_bucket()
    {
        for (int bit = 8; bit <= 41; bit++)
        {
            long power = 1L << bit;
            foreach (long v in (long[])[power - 1, power, power + 1])
            {
                int index = LatencyHistogram.IndexOf(v);
                (long lowest, long width) = LatencyHistogram.RangeOf(index);
                Assert.True(lowest <= v && v < lowest + width, $"{v} ns is outside its bucket [{lowest}, {lowest + width})");
                Assert.True(width * 128 <= Math.Max(lowest, 128), $"bucket of {v} ns is {width} wide at {lowest}: wider than 1/128");
                double error = Math.Abs(LatencyHistogram.ValueOf(index) - v) / (double)v;
                Assert.True(error <= 0.004, $"{v} ns comes back {error:P3} off");
            }

            // A power of two starts a new bucket; the value below it ends the previous one.
            Assert.Equal(LatencyHistogram.IndexOf(power - 1) + 1, LatencyHistogram.IndexOf(power));
        }
    }

    [Fact]
    public void Indexes_rise_with_the_value_and_stay_within_the_bucket_count()
    {
        var values = new List<long> { long.MinValue, -1, 0 };
        for (long v = 1; v < 4096; v++)
        {
            values.Add(v);
        }

        values.AddRange(Values());
        values.AddRange([LatencyHistogram.MaxTrackableNanoseconds, LatencyHistogram.MaxTrackableNanoseconds + 1, long.MaxValue]);
        values.Sort();

        int previous = -1;
        var used = new HashSet<int>();
        foreach (long v in values)
        {
            int index = LatencyHistogram.IndexOf(v);
            Assert.InRange(index, 0, LatencyHistogram.BucketCount - 1);
            Assert.True(index >= previous, $"index of {v} ns ({index}) is below the previous value's ({previous})");
            previous = index;
            used.Add(index);
        }

        Assert.Equal(0, LatencyHistogram.IndexOf(-5));
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.IndexOf(long.MaxValue));
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.IndexOf(LatencyHistogram.MaxTrackableNanoseconds));
        Assert.True(LatencyHistogram.MaxTrackableNanoseconds >= Hour);
    }

    [Fact]
    public void Buckets_tile_the_range_without_gaps_or_overlaps()
    {
        long next = 0;
        for (int index = 0; index < LatencyHistogram.BucketCount; index++)
        {
            (long lowest, long width) = LatencyHistogram.RangeOf(index);
            Assert.Equal(next, lowest);
            Assert.Equal(index, LatencyHistogram.IndexOf(lowest));
            Assert.Equal(index, LatencyHistogram.IndexOf(lowest + width - 1));
            next = lowest + width;
        }

        Assert.Equal(LatencyHistogram.MaxTrackableNanoseconds + 1, next);
    }

    [Fact]
    public void Recorded_counts_add_up_and_drain_to_zero()
    {
        var histogram = new LatencyHistogram();
        long[] values = [0, 1, 255, 256, 1_000_000, 1_000_001, Hour];
        foreach (long v in values)
        {
            histogram.Record(v);
        }

        histogram.Record(1_000_000);
        var totals = new long[LatencyHistogram.BucketCount];
        histogram.AddTo(totals);
        Assert.Equal(values.Length + 1, totals.Sum());
        Assert.Equal(2 + (LatencyHistogram.IndexOf(1_000_000) == LatencyHistogram.IndexOf(1_000_001) ? 1 : 0), totals[LatencyHistogram.IndexOf(1_000_000)]);

        var drained = new long[LatencyHistogram.BucketCount];
        histogram.DrainInto(drained);
        Assert.Equal(totals, drained);
        var after = new long[LatencyHistogram.BucketCount];
        histogram.AddTo(after);
        Assert.All(after, c => Assert.Equal(0, c));
    }
}
