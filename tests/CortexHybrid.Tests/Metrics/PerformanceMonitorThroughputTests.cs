using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

public sealed class PerformanceMonitorThroughputTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>Finishes <paramref name="count"/> requests in the current second, half timed, half reported.</summary>
    private static void Requests(PerformanceMonitor monitor, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (i % 2 == 0)
            {
                using (monitor.StartRequest())
                {
                }
            }
            else
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1));
            }
        }
    }

    [Fact]
    public void Requests_spread_over_seconds_give_last_second_last_minute_peak_and_total()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            Requests(monitor, 5);       // second 0
            time.Advance(Second);
            Requests(monitor, 3);       // second 1
            time.Advance(Second);
            Requests(monitor, 7);       // second 2

            // Still in second 2: the seconds counted are complete ones.
            ThroughputFigures during = monitor.GetSnapshot().Throughput;
            Assert.Equal(3, during.RequestsLastSecond);
            Assert.Equal(8, during.RequestsLastMinute);
            Assert.Equal(7, during.PeakRequestsPerSecond);
            Assert.Equal(15, during.TotalRequests);

            time.Advance(Second);       // second 3
            ThroughputFigures after = monitor.GetSnapshot().Throughput;
            Assert.Equal(7, after.RequestsLastSecond);
            Assert.Equal(15, after.RequestsLastMinute);
            Assert.Equal(15 / 3.0, after.RequestsPerSecond, 12); // over the 3 s the monitor has existed
            Assert.Equal(7, after.PeakRequestsPerSecond);
            Assert.Equal(15, after.TotalRequests);

            time.Advance(Second);       // second 4: second 3 had none
            Assert.Equal(0, monitor.GetSnapshot().Throughput.RequestsLastSecond);

            time.Advance(TimeSpan.FromSeconds(59)); // second 63: seconds 3 to 62 are the last minute
            ThroughputFigures later = monitor.GetSnapshot().Throughput;
            Assert.Equal(0, later.RequestsLastMinute);
            Assert.Equal(0, later.RequestsPerSecond);
            Assert.Equal(7, later.PeakRequestsPerSecond);
            Assert.Equal(15, later.TotalRequests);
        }
    }

    [Fact]
    public void The_last_minute_is_the_60_complete_seconds_before_now()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            for (int s = 0; s < 61; s++)
            {
                Requests(monitor, s + 1);  // second k of the run has k + 1 requests
                time.Advance(Second);
            }

            // Now in run second 61; the last minute is run seconds 1 to 60: 2 + 3 + ... + 61.
            ThroughputFigures t = monitor.GetSnapshot().Throughput;
            long expected = Enumerable.Range(2, 60).Sum();
            Assert.Equal(expected, t.RequestsLastMinute);
            Assert.Equal(expected / 60.0, t.RequestsPerSecond, 12);
            Assert.Equal(61, t.RequestsLastSecond);
            Assert.Equal(61, t.PeakRequestsPerSecond);
            Assert.Equal(Enumerable.Range(1, 61).Sum(), t.TotalRequests);
        }
    }

    [Fact]
    public void Seconds_older_than_the_counter_ring_still_count_in_the_total_and_the_peak()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            Requests(monitor, 9);           // the peak, in second 0
            for (int s = 1; s <= 130; s++)  // then one a second for 130 s: second 0's slot is reused twice
            {
                time.Advance(Second);
                Requests(monitor, 1);
            }

            time.Advance(Second);
            ThroughputFigures t = monitor.GetSnapshot().Throughput;
            Assert.Equal(9 + 130, t.TotalRequests);
            Assert.Equal(9, t.PeakRequestsPerSecond);
            Assert.Equal(60, t.RequestsLastMinute);
            Assert.Equal(1, t.RequestsLastSecond);
            Assert.Equal(1.0, t.RequestsPerSecond, 12);
        }
    }

    [Fact]
    public void A_request_counts_in_the_second_it_finishes()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            RequestTimer timer = monitor.StartRequest("slow");
            time.Advance(TimeSpan.FromSeconds(2.5));
            Assert.Equal(0, monitor.GetSnapshot().Throughput.TotalRequests);
            timer.Dispose();
            time.Advance(Second);

            ThroughputFigures t = monitor.GetSnapshot().Throughput;
            Assert.Equal(1, t.RequestsLastSecond);
            Assert.Equal(1, t.TotalRequests);
            Assert.Equal(2500, monitor.GetSnapshot().Operation("slow").SinceStart.MeanMilliseconds, 9);
        }
    }

    [Fact]
    public void Uptime_and_timestamp_follow_the_monitor_clock()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            time.Advance(TimeSpan.FromSeconds(42));
            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(TimeSpan.FromSeconds(42), snapshot.Uptime);
            Assert.Equal(time.Start + TimeSpan.FromSeconds(42), snapshot.Timestamp);
        }
    }
}
