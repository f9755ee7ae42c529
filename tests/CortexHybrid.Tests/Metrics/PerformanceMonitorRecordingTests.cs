using System.Diagnostics;
using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

/// <summary>Where and how often recording calls count a request.</summary>
public sealed class PerformanceMonitorRecordingTests
{
    private static long Second() => Stopwatch.GetTimestamp() / Stopwatch.Frequency;

    /// <summary>Sleeps until the precise clock is 50 to 300 ms into a second: far enough from both edges for the coarse clock's few milliseconds.</summary>
    private static void WaitForEarlyInASecond()
    {
        while (true)
        {
            long into = Stopwatch.GetTimestamp() % Stopwatch.Frequency * 1000 / Stopwatch.Frequency;
            if (into is >= 50 and < 300)
            {
                return;
            }

            Thread.Sleep(into < 50 ? 5 : (int)(1050 - into));
        }
    }

    /// <summary>
    /// On <see cref="TimeProvider.System"/> the monitor places calls given their duration by the
    /// coarse clock (<see cref="Environment.TickCount64"/>) shifted onto the precise one: such calls
    /// must land in the current window and second as the precise clock reads them.
    /// </summary>
    [Fact]
    public void Requests_given_their_duration_count_in_the_window_now_and_in_the_last_second_a_second_later()
    {
        // The 100 calls take microseconds; if this thread was held up long enough that they did
        // not all happen in one second, the attempt says nothing and is made again.
        for (int attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 5, "could not record 100 requests within one second in five attempts");
            using var monitor = new PerformanceMonitor(MonitorFixture.Options());
            WaitForEarlyInASecond();
            long second = Second();
            for (int i = 0; i < 100; i++)
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(2), "search");
            }

            for (int i = 0; i < 5; i++)
            {
                monitor.RecordError("timeout");
            }

            PerformanceSnapshot now = monitor.GetSnapshot();
            if (Second() != second)
            {
                continue;
            }

            Assert.Equal(100, now.Throughput.TotalRequests);
            Assert.Equal(100, now.Operation("search").Window.Count);
            Assert.Equal(100, now.Operation("search").SinceStart.Count);
            Assert.Equal(0, now.Throughput.RequestsLastSecond); // the current second is not complete
            Assert.Equal(5, now.Category("timeout").InWindow);
            Assert.Equal(5 / 100.0, now.Errors.ErrorRate, 12);

            // Early in the next second: the requests' second is the last complete one.
            while (Second() == second)
            {
                Thread.Sleep(10);
            }

            WaitForEarlyInASecond();
            PerformanceSnapshot later = monitor.GetSnapshot();
            if (Second() != second + 1)
            {
                continue;
            }

            Assert.Equal(100, later.Throughput.RequestsLastSecond);
            Assert.Equal(100, later.Throughput.RequestsLastMinute);
            Assert.Equal(100, later.Throughput.PeakRequestsPerSecond);
            Assert.Equal(100, later.Throughput.TotalRequests);
            Assert.Equal(100, later.Operation("search").Window.Count);
            Assert.Equal(2, later.Operation("search").Window.MeanMilliseconds, 9);
            return;
        }
    }

    [Fact]
    public void Two_timers_failed_in_one_scope_are_each_recorded_once()
    {
        // The documented pattern is a using around a catch that calls Fail; with two timers (an
        // outer request and an inner call, both failed by one catch) the inner Dispose runs first.
        // Each request must still be recorded once: 2 requests, 2 errors.
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            using (RequestTimer outer = monitor.StartRequest("checkout"))
            using (RequestTimer inner = monitor.StartRequest("payment"))
            {
                try
                {
                    time.Advance(TimeSpan.FromMilliseconds(30));
                    throw new TimeoutException("payment provider");
                }
                catch (TimeoutException)
                {
                    outer.Fail("timeout");
                    inner.Fail("timeout");
                }
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(2, snapshot.Errors.TotalErrors);
            Assert.Equal(1, snapshot.Operation("payment").SinceStart.Count);
            Assert.Equal(1, snapshot.Operation("checkout").SinceStart.Count);
            Assert.Equal(2, snapshot.Throughput.TotalRequests);
        }
    }

    [Fact]
    public void A_failed_timer_is_recorded_once_when_disposed_after_another_timer_finished()
    {
        // Fail, then a second request on the same thread, then the first timer's Dispose (a
        // using around code that fails, then logs the failure through another timed call).
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            using (RequestTimer request = monitor.StartRequest("checkout"))
            {
                time.Advance(TimeSpan.FromMilliseconds(5));
                request.Fail("internal");
                using (monitor.StartRequest("audit"))
                {
                    time.Advance(TimeSpan.FromMilliseconds(1));
                }
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(1, snapshot.Operation("checkout").SinceStart.Count);
            Assert.Equal(1, snapshot.Operation("audit").SinceStart.Count);
            Assert.Equal(2, snapshot.Throughput.TotalRequests);
        }
    }
}
