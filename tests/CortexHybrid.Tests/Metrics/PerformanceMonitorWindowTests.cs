using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

public sealed class PerformanceMonitorWindowTests
{
    private static PerformanceMonitorOptions Options(TimeSpan window, int slices)
    {
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.Window = window;
        options.WindowSlices = slices;
        return options;
    }

    private static void Record(PerformanceMonitor monitor, int count, int milliseconds)
    {
        for (int i = 0; i < count; i++)
        {
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(milliseconds), "search");
        }
    }

    [Fact]
    public void Samples_leave_the_window_slice_by_slice_but_stay_in_since_start()
    {
        // 60 s in six 10 s slices.
        var (monitor, time) = MonitorFixture.Create(Options(TimeSpan.FromSeconds(60), 6));
        using (monitor)
        {
            Record(monitor, 3, 10);                     // slice [0, 10)
            time.Advance(TimeSpan.FromSeconds(10));
            Record(monitor, 2, 20);                     // slice [10, 20)
            time.Advance(TimeSpan.FromSeconds(10));
            Record(monitor, 1, 30);                     // slice [20, 30)

            time.Advance(TimeSpan.FromSeconds(39));     // 59 s: all six slices are in the window
            OperationLatency at59 = monitor.GetSnapshot().Operation("search");
            Assert.Equal(6, at59.Window.Count);
            Assert.Equal(((3 * 10) + (2 * 20) + 30) / 6.0, at59.Window.MeanMilliseconds, 9);

            time.Advance(TimeSpan.FromSeconds(1));      // 60 s: [0, 10) drops out
            OperationLatency at60 = monitor.GetSnapshot().Operation("search");
            Assert.Equal(3, at60.Window.Count);
            Assert.Equal(((2 * 20) + 30) / 3.0, at60.Window.MeanMilliseconds, 9);
            MonitorFixture.WithinRelative(20, at60.Window.MinMilliseconds, 0.004, "window min at 60 s");

            time.Advance(TimeSpan.FromSeconds(10));     // 70 s: [10, 20) drops out
            OperationLatency at70 = monitor.GetSnapshot().Operation("search");
            Assert.Equal(1, at70.Window.Count);
            Assert.Equal(30, at70.Window.MeanMilliseconds, 9);

            time.Advance(TimeSpan.FromSeconds(10));     // 80 s: nothing left
            OperationLatency at80 = monitor.GetSnapshot().Operation("search");
            Assert.Equal(LatencyDistribution.Empty, at80.Window);

            foreach (OperationLatency o in (OperationLatency[])[at59, at60, at70, at80])
            {
                Assert.Equal(6, o.SinceStart.Count);
                Assert.Equal(((3 * 10) + (2 * 20) + 30) / 6.0, o.SinceStart.MeanMilliseconds, 9);
                MonitorFixture.WithinRelative(10, o.SinceStart.MinMilliseconds, 0.004, "since-start min");
                MonitorFixture.WithinRelative(30, o.SinceStart.MaxMilliseconds, 0.004, "since-start max");
            }
        }
    }

    [Fact]
    public void A_slice_reused_after_a_long_gap_retires_its_old_samples_into_since_start()
    {
        var (monitor, time) = MonitorFixture.Create(Options(TimeSpan.FromSeconds(60), 6));
        using (monitor)
        {
            Record(monitor, 4, 5);
            time.Advance(TimeSpan.FromMinutes(10));    // the same slice position, 60 slices later
            Record(monitor, 1, 100);
            time.Advance(TimeSpan.FromSeconds(10));
            Record(monitor, 2, 40);

            OperationLatency search = monitor.GetSnapshot().Operation("search");
            Assert.Equal(3, search.Window.Count);
            Assert.Equal((100 + (2 * 40)) / 3.0, search.Window.MeanMilliseconds, 9);
            Assert.Equal(7, search.SinceStart.Count);
            Assert.Equal(((4 * 5) + 100 + (2 * 40)) / 7.0, search.SinceStart.MeanMilliseconds, 9);
            MonitorFixture.WithinRelative(5, search.SinceStart.MinMilliseconds, 0.004, "since-start min");
            MonitorFixture.WithinRelative(40, search.Window.MinMilliseconds, 0.004, "window min");
        }
    }

    [Theory]
    [InlineData(60, 2, 0.0)]
    [InlineData(60, 2, 17.3)]
    [InlineData(60, 6, 0.0)]
    [InlineData(60, 6, 4.25)]
    [InlineData(60, 60, 0.5)]
    [InlineData(300, 6, 49.9)]
    public void A_sample_stays_in_the_window_until_its_slice_is_a_whole_window_old(int windowSeconds, int slices, double offsetSeconds)
    {
        TimeSpan window = TimeSpan.FromSeconds(windowSeconds);
        TimeSpan slice = window / slices;
        var (monitor, time) = MonitorFixture.Create(Options(window, slices));
        using (monitor)
        {
            time.Advance(TimeSpan.FromSeconds(offsetSeconds));
            Record(monitor, 1, 1);

            // The sample's slice began at floor(offset / slice) slices; it leaves the window when the
            // slice that begins a whole window later starts: at least (n-1)/n of a window after the
            // sample, at most a whole window.
            TimeSpan recordedAt = TimeSpan.FromSeconds(offsetSeconds);
            TimeSpan sliceStart = slice * Math.Floor(recordedAt / slice);
            TimeSpan leavesAfter = sliceStart + window - recordedAt;
            Assert.InRange(leavesAfter, window * (slices - 1) / slices, window);

            time.Advance(leavesAfter - TimeSpan.FromTicks(1));
            Assert.Equal(1, monitor.GetSnapshot().Operation("search").Window.Count);
            time.Advance(TimeSpan.FromTicks(1));
            OperationLatency after = monitor.GetSnapshot().Operation("search");
            Assert.Equal(0, after.Window.Count);
            Assert.Equal(1, after.SinceStart.Count);
        }
    }

    [Fact]
    public void Stages_have_the_same_window_as_operations()
    {
        var (monitor, time) = MonitorFixture.Create(Options(TimeSpan.FromSeconds(60), 6));
        using (monitor)
        {
            monitor.RecordStage("fetch", TimeSpan.FromMilliseconds(8));
            monitor.RecordStage("fetch", TimeSpan.FromMilliseconds(12));
            time.Advance(TimeSpan.FromSeconds(30));
            monitor.RecordStage("fetch", TimeSpan.FromMilliseconds(40));
            monitor.RecordStage("rank", TimeSpan.FromMilliseconds(2));

            time.Advance(TimeSpan.FromSeconds(30));
            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            OperationLatency fetch = snapshot.Stage("fetch");
            Assert.Equal(1, fetch.Window.Count);
            Assert.Equal(40, fetch.Window.MeanMilliseconds, 9);
            Assert.Equal(3, fetch.SinceStart.Count);
            Assert.Equal(20, fetch.SinceStart.MeanMilliseconds, 9);
            Assert.Equal(1, snapshot.Stage("rank").Window.Count);
            Assert.Equal(["fetch", "rank"], snapshot.Stages.Select(s => s.Name));
            Assert.Empty(snapshot.ResponseTimes);
            Assert.Equal(0, snapshot.Throughput.TotalRequests);
        }
    }

    [Fact]
    public void Changing_the_options_after_creating_the_monitor_changes_nothing()
    {
        PerformanceMonitorOptions options = Options(TimeSpan.FromSeconds(60), 6);
        var (monitor, time) = MonitorFixture.Create(options);
        using (monitor)
        {
            options.Window = TimeSpan.FromSeconds(1);
            options.WindowSlices = 2;
            Record(monitor, 1, 1);
            time.Advance(TimeSpan.FromSeconds(30));
            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(1, snapshot.Operation("search").Window.Count);
            Assert.Equal(TimeSpan.FromSeconds(60), snapshot.Window);
        }
    }
}
