using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

public sealed class PerformanceMonitorPercentileTests
{
    /// <summary>The nearest-rank percentile of sorted samples: the sample of rank ⌈k/100 × n⌉, counted from 1.</summary>
    private static long NearestRank(long[] sorted, int percent)
    {
        long rank = Math.Max(1, ((percent * (long)sorted.Length) + 99) / 100);
        return sorted[rank - 1];
    }

    private static void AssertMatches(long[] samplesNanoseconds, LatencyDistribution actual, string what)
    {
        long[] sorted = (long[])samplesNanoseconds.Clone();
        Array.Sort(sorted);
        long sum = 0;
        foreach (long v in sorted)
        {
            sum += v;
        }

        Assert.Equal(sorted.Length, actual.Count);
        MonitorFixture.WithinRelative(sorted[0] / 1e6, actual.MinMilliseconds, 0.01, what + " min");
        MonitorFixture.WithinRelative(NearestRank(sorted, 50) / 1e6, actual.P50Milliseconds, 0.01, what + " p50");
        MonitorFixture.WithinRelative(NearestRank(sorted, 95) / 1e6, actual.P95Milliseconds, 0.01, what + " p95");
        MonitorFixture.WithinRelative(NearestRank(sorted, 99) / 1e6, actual.P99Milliseconds, 0.01, what + " p99");
        MonitorFixture.WithinRelative(sorted[^1] / 1e6, actual.MaxMilliseconds, 0.01, what + " max");
        MonitorFixture.WithinRelative(sum / (double)sorted.Length / 1e6, actual.MeanMilliseconds, 1e-9, what + " mean");
    }

    [Fact]
    public void Percentiles_of_100000_log_uniform_durations_match_the_exact_nearest_rank_values()
    {
        // Recorded over 100 fake seconds (1,000 a second) so that the since-start figures combine
        // retired slices with live ones, and the last 60 s window holds a known part of them.
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            const int Count = 100_000;
            var random = new Random(20250101);
            double low = Math.Log(10), high = Math.Log(TimeSpan.TicksPerHour); // 1 µs to 1 h, in 100 ns ticks
            var nanoseconds = new long[Count];
            for (int i = 0; i < Count; i++)
            {
                long ticks = (long)Math.Round(Math.Exp(low + (random.NextDouble() * (high - low))));
                nanoseconds[i] = ticks * 100;
                monitor.RecordResponseTime(TimeSpan.FromTicks(ticks), "search");
                if (i % 1000 == 999)
                {
                    time.Advance(TimeSpan.FromSeconds(1));
                }
            }

            OperationLatency search = monitor.GetSnapshot().Operation("search");
            AssertMatches(nanoseconds, search.SinceStart, "since start");

            // Now at 100 s: the window is the 10 s slices starting at 50, 60, ... 100 s, that is the
            // samples recorded from second 50 on (sample i is recorded in second i / 1000).
            AssertMatches(nanoseconds[50_000..], search.Window, "window");
        }
    }

    [Fact]
    public void Percentiles_of_a_few_known_durations_are_the_nearest_rank_samples()
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            // 1 ms to 20 ms in 1 ms steps: p50 is the 10th (10 ms), p95 and p99 the 19th and 20th.
            long[] nanoseconds = [.. Enumerable.Range(1, 20).Select(ms => ms * 1_000_000L)];
            foreach (long ns in nanoseconds.Reverse())
            {
                monitor.RecordResponseTime(TimeSpan.FromTicks(ns / 100), "index");
            }

            LatencyDistribution d = monitor.GetSnapshot().Operation("index").SinceStart;
            Assert.Equal(20, d.Count);
            MonitorFixture.WithinRelative(10.0, d.P50Milliseconds, 0.004, "p50");
            MonitorFixture.WithinRelative(19.0, d.P95Milliseconds, 0.004, "p95");
            MonitorFixture.WithinRelative(20.0, d.P99Milliseconds, 0.004, "p99");
            MonitorFixture.WithinRelative(1.0, d.MinMilliseconds, 0.004, "min");
            MonitorFixture.WithinRelative(20.0, d.MaxMilliseconds, 0.004, "max");
            Assert.Equal(10.5, d.MeanMilliseconds, 9);
        }
    }

    [Fact]
    public void A_negative_duration_counts_as_zero_and_an_empty_operation_reports_zeros()
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            Assert.Empty(monitor.GetSnapshot().ResponseTimes);
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(-5), "odd");
            LatencyDistribution d = monitor.GetSnapshot().Operation("odd").SinceStart;
            Assert.Equal(1, d.Count);
            Assert.Equal(0, d.MeanMilliseconds);
            Assert.Equal(0, d.MaxMilliseconds);
            Assert.Equal(LatencyDistribution.Empty with { Count = 1 }, d);
        }
    }

    [Fact]
    public void Timed_requests_measure_the_fake_clock_exactly()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            foreach (int ms in (int[])[3, 7, 50])
            {
                using (RequestTimer timer = monitor.StartRequest("fetch"))
                {
                    Assert.Equal("fetch", timer.Operation);
                    time.Advance(TimeSpan.FromMilliseconds(ms));
                }
            }

            LatencyDistribution d = monitor.GetSnapshot().Operation("fetch").SinceStart;
            Assert.Equal(3, d.Count);
            Assert.Equal(60.0 / 3, d.MeanMilliseconds, 9);
            MonitorFixture.WithinRelative(3, d.MinMilliseconds, 0.004, "min");
            MonitorFixture.WithinRelative(7, d.P50Milliseconds, 0.004, "p50");
            MonitorFixture.WithinRelative(50, d.MaxMilliseconds, 0.004, "max");
        }
    }
}
