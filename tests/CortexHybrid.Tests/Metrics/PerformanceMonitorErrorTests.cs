using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

public sealed class PerformanceMonitorErrorTests
{
    [Fact]
    public void Error_rates_per_category_are_shares_of_the_requests_in_the_same_window()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            for (int i = 0; i < 100; i++)
            {
                using (monitor.StartRequest("search"))
                {
                }
            }

            for (int i = 0; i < 4; i++)
            {
                monitor.StartRequest("search").Fail("timeout");
                time.Advance(TimeSpan.FromMilliseconds(1)); // keep each failed timer's start distinct (see the RequestTimer tests)
            }

            for (int i = 0; i < 13; i++)
            {
                monitor.RecordError("validation");
            }

            monitor.RecordError("authentication");

            const double Requests = 104;
            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(104, snapshot.Throughput.TotalRequests);
            Assert.Equal(18, snapshot.Errors.TotalErrors);
            Assert.Equal(18 / Requests, snapshot.Errors.ErrorRate, 12);
            Assert.Equal(["validation", "timeout", "authentication"], snapshot.Errors.Categories.Select(c => c.Category));
            Assert.Equal(13 / Requests, snapshot.Category("validation").Rate, 12);
            Assert.Equal(4 / Requests, snapshot.Category("timeout").Rate, 12);
            Assert.Equal(1 / Requests, snapshot.Category("authentication").Rate, 12);
            Assert.All(snapshot.Errors.Categories, c => Assert.Equal(c.Total, c.InWindow));

            // A minute and a bit later: nothing in the window, the totals stay.
            time.Advance(TimeSpan.FromSeconds(61));
            for (int i = 0; i < 10; i++)
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(2), "search");
            }

            monitor.RecordError("timeout");
            PerformanceSnapshot later = monitor.GetSnapshot();
            Assert.Equal(19, later.Errors.TotalErrors);
            Assert.Equal(1 / 10.0, later.Errors.ErrorRate, 12);
            Assert.Equal(0, later.Category("validation").InWindow);
            Assert.Equal(0, later.Category("validation").Rate);
            Assert.Equal(13, later.Category("validation").Total);
            Assert.Equal(1, later.Category("timeout").InWindow);
            Assert.Equal(5, later.Category("timeout").Total);
            Assert.Equal(1 / 10.0, later.Category("timeout").Rate, 12);
        }
    }

    [Fact]
    public void Errors_without_requests_in_the_window_have_a_rate_of_zero()
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            monitor.RecordError("internal");
            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(1, snapshot.Errors.TotalErrors);
            Assert.Equal(0, snapshot.Errors.ErrorRate);
            Assert.Equal(1, snapshot.Category("internal").InWindow);
            Assert.Equal(0, snapshot.Category("internal").Rate);
        }
    }

    [Fact]
    public void Error_rates_over_a_window_longer_than_64_seconds_count_every_request_in_it()
    {
        // A 5-minute window: one error and 10 requests at the start, then a request every second
        // for two minutes. All 130 requests and the error are inside the window.
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.Window = TimeSpan.FromMinutes(5);
        var (monitor, time) = MonitorFixture.Create(options);
        using (monitor)
        {
            for (int i = 0; i < 10; i++)
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
            }

            monitor.RecordError("timeout");
            for (int s = 0; s < 120; s++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(130, snapshot.Operation("search").Window.Count);
            Assert.Equal(1, snapshot.Category("timeout").InWindow);
            Assert.Equal(1 / 130.0, snapshot.Errors.ErrorRate, 12);
            Assert.Equal(1 / 130.0, snapshot.Category("timeout").Rate, 12);
        }
    }

    [Fact]
    public void Fail_records_the_time_and_the_error_once()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            RequestTimer timer = monitor.StartRequest("checkout");
            time.Advance(TimeSpan.FromMilliseconds(250));
            timer.Fail("timeout");
            time.Advance(TimeSpan.FromSeconds(1));

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            LatencyDistribution checkout = snapshot.Operation("checkout").SinceStart;
            Assert.Equal(1, checkout.Count);
            Assert.Equal(250, checkout.MeanMilliseconds, 9);
            Assert.Equal(1, snapshot.Throughput.TotalRequests);
            Assert.Equal(1, snapshot.Errors.TotalErrors);
            Assert.Equal(1, snapshot.Category("timeout").Total);
            Assert.Equal(1.0, snapshot.Errors.ErrorRate, 12);
        }
    }

    [Fact]
    public void Using_with_Fail_in_a_catch_records_the_request_once_as_the_failure()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            using (RequestTimer timer = monitor.StartRequest("checkout"))
            {
                try
                {
                    time.Advance(TimeSpan.FromMilliseconds(40));
                    throw new InvalidOperationException("boom");
                }
                catch (InvalidOperationException)
                {
                    timer.Fail("internal");
                    time.Advance(TimeSpan.FromMilliseconds(60)); // after Fail: not part of the request
                }
            }

            // The next request on this thread is recorded normally.
            time.Advance(TimeSpan.FromMilliseconds(1));
            using (monitor.StartRequest("checkout"))
            {
                time.Advance(TimeSpan.FromMilliseconds(10));
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            LatencyDistribution checkout = snapshot.Operation("checkout").SinceStart;
            Assert.Equal(2, checkout.Count);
            Assert.Equal(25, checkout.MeanMilliseconds, 9);
            Assert.Equal(2, snapshot.Throughput.TotalRequests);
            Assert.Equal(1, snapshot.Errors.TotalErrors);
            Assert.Equal(1, snapshot.Category("internal").Total);
        }
    }

    [Fact]
    public void A_request_finished_by_Fail_alone_does_not_swallow_the_next_request_started_in_the_same_tick()
    {
        // The docs allow finishing a timer with Fail alone. A second request, started on the same
        // clock tick on the same thread and disposed as a success, must still be recorded.
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            monitor.StartRequest("checkout").Fail("timeout");
            using (monitor.StartRequest("checkout"))
            {
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(2, snapshot.Throughput.TotalRequests);
            Assert.Equal(2, snapshot.Operation("checkout").SinceStart.Count);
            Assert.Equal(1, snapshot.Errors.TotalErrors);
        }
    }

    [Fact]
    public void A_default_timer_does_nothing()
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            RequestTimer timer = default;
            Assert.Null(timer.Operation);
            timer.Fail("internal");
            timer.Dispose();
            Assert.Throws<ArgumentException>(() => timer.Fail(""));
            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(0, snapshot.Throughput.TotalRequests);
            Assert.Equal(0, snapshot.Errors.TotalErrors);
        }
    }
}
