using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

public sealed class SpanProfilerTests
{
    private static SpanFigures Span(PerformanceSnapshot snapshot, string name) => Assert.Single(snapshot.Spans, s => s.Name == name);

    [Fact]
    public void A_span_records_the_time_between_its_start_and_its_dispose_exactly()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            double[] milliseconds = [3, 10, 5, 0.5];
            foreach (double ms in milliseconds)
            {
                using (monitor.Span("parse"))
                {
                    time.Advance(TimeSpan.FromMilliseconds(ms));
                }

                time.Advance(TimeSpan.FromMilliseconds(100)); // between spans: not counted
            }

            SpanFigures parse = Span(monitor.GetSnapshot(), "parse");
            Assert.Equal(4, parse.Count);
            Assert.Equal(18.5, parse.TotalMilliseconds, 12);
            Assert.Equal(18.5 / 4, parse.MeanMilliseconds, 12);
            Assert.Equal(0.5, parse.MinMilliseconds, 12);
            Assert.Equal(10, parse.MaxMilliseconds, 12);
        }
    }

    [Fact]
    public void A_span_of_no_time_counts_with_a_zero_duration()
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            using (monitor.Span("noop"))
            {
            }

            SpanFigures noop = Span(monitor.GetSnapshot(), "noop");
            Assert.Equal(1, noop.Count);
            Assert.Equal(0, noop.TotalMilliseconds);
            Assert.Equal(0, noop.MinMilliseconds);
            Assert.Equal(0, noop.MaxMilliseconds);
        }
    }

    [Fact]
    public void Spans_are_listed_by_total_time_largest_first_then_by_name()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            // Totals: many-short 8 ms (8 × 1), one-long 30 ms, tie-b 5 ms, tie-a 5 ms, tiny 0.1 ms.
            // By count the order would be many-short first; by name, one-long would not lead.
            (string Name, double[] Milliseconds)[] spans =
            [
                ("tiny", [0.1]),
                ("many-short", [1, 1, 1, 1, 1, 1, 1, 1]),
                ("tie-b", [2, 3]),
                ("one-long", [30]),
                ("tie-a", [5]),
            ];
            foreach ((string name, double[] durations) in spans)
            {
                foreach (double ms in durations)
                {
                    using (monitor.Span(name))
                    {
                        time.Advance(TimeSpan.FromMilliseconds(ms));
                    }
                }
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(["one-long", "many-short", "tie-a", "tie-b", "tiny"], snapshot.Spans.Select(s => s.Name));
            Assert.Equal([30, 8, 5, 5, 0.1], snapshot.Spans.Select(s => s.TotalMilliseconds));
            Assert.Equal([1L, 8, 1, 2, 1], snapshot.Spans.Select(s => s.Count));
        }
    }

    [Fact]
    public void Nested_spans_each_record_their_own_time_the_outer_including_the_inner()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            using (monitor.Span("request"))
            {
                time.Advance(TimeSpan.FromMilliseconds(2));
                using (monitor.Span("query"))
                {
                    time.Advance(TimeSpan.FromMilliseconds(3));
                    using (monitor.Span("decode"))
                    {
                        time.Advance(TimeSpan.FromMilliseconds(4));
                    }
                }

                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(10, Span(snapshot, "request").TotalMilliseconds, 12);
            Assert.Equal(7, Span(snapshot, "query").TotalMilliseconds, 12);
            Assert.Equal(4, Span(snapshot, "decode").TotalMilliseconds, 12);
            Assert.Equal(["request", "query", "decode"], snapshot.Spans.Select(s => s.Name));
        }
    }

    [Fact]
    public void A_span_nested_in_one_of_the_same_name_counts_twice()
    {
        // Recursion: the outer "walk" is 1 + 2 + 1 = 4 ms, the inner 2 ms.
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            using (monitor.Span("walk"))
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
                using (monitor.Span("walk"))
                {
                    time.Advance(TimeSpan.FromMilliseconds(2));
                }

                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            SpanFigures walk = Span(monitor.GetSnapshot(), "walk");
            Assert.Equal(2, walk.Count);
            Assert.Equal(6, walk.TotalMilliseconds, 12);
            Assert.Equal(3, walk.MeanMilliseconds, 12);
            Assert.Equal(2, walk.MinMilliseconds, 12);
            Assert.Equal(4, walk.MaxMilliseconds, 12);
        }
    }

    [Fact]
    public void Spans_are_since_start_and_do_not_leave_with_the_window()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            using (monitor.Span("boot"))
            {
                time.Advance(TimeSpan.FromMilliseconds(7));
            }

            time.Advance(TimeSpan.FromMinutes(10)); // ten windows later
            SpanFigures boot = Span(monitor.GetSnapshot(), "boot");
            Assert.Equal(1, boot.Count);
            Assert.Equal(7, boot.TotalMilliseconds, 12);
        }
    }

    [Fact]
    public void A_default_span_timer_records_nothing()
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            SpanTimer timer = default;
            timer.Dispose();
            Assert.Empty(monitor.GetSnapshot().Spans);
        }
    }

    [Fact]
    public async Task Spans_from_eight_tasks_at_once_are_all_counted()
    {
        // Each task times a shared name and its own name; the clock moves while they run (on a
        // thread of its own, so that two cores do not leave it waiting for the workers), so the
        // durations vary and minimum and maximum are raced for.
        const int Tasks = 8, PerTask = 20_000;
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            using var stop = new CancellationTokenSource();
            Task ticker = Task.Factory.StartNew(
                () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        time.Advance(TimeSpan.FromTicks(7));
                        Thread.Yield();
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);

            using var start = new Barrier(Tasks);
            Task[] workers = [.. Enumerable.Range(0, Tasks).Select(t => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait(); // every task creates its names at the same moment
                    for (int i = 0; i < PerTask; i++)
                    {
                        using (monitor.Span("shared"))
                        using (monitor.Span("task-" + t))
                        {
                        }
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default))];

            await Task.WhenAll(workers);
            await stop.CancelAsync();
            await ticker;

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(Tasks + 1, snapshot.Spans.Count);
            Assert.Equal((long)Tasks * PerTask, Span(snapshot, "shared").Count);
            for (int t = 0; t < Tasks; t++)
            {
                Assert.Equal(PerTask, Span(snapshot, "task-" + t).Count);
            }

            Assert.All(snapshot.Spans, s =>
            {
                Assert.True(s.MinMilliseconds <= s.MeanMilliseconds && s.MeanMilliseconds <= s.MaxMilliseconds, $"{s.Name}: min {s.MinMilliseconds}, mean {s.MeanMilliseconds}, max {s.MaxMilliseconds}");
                Assert.Equal(s.TotalMilliseconds / s.Count, s.MeanMilliseconds, 9);
            });
        }
    }

    [Fact]
    public async Task A_span_read_while_it_is_recorded_never_shows_a_minimum_above_its_mean_or_maximum()
    {
        // Snapshots read the figures without a lock while spans record. A reading may miss the
        // span being recorded, but every figure it shows should be one of a consistent state: a
        // minimum of 922,337,203,685 ms (the "no minimum yet" marker) or above the maximum is not.
        // Fresh span statistics are recorded into over and over (the first recording is the one
        // that moves the minimum from its marker) while another thread reads them.
        SpanStatistics? current = null;
        string? inconsistent = null;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        Task reader = Task.Factory.StartNew(
            () =>
            {
                while (!stop.IsCancellationRequested && Volatile.Read(ref inconsistent) is null)
                {
                    if (Volatile.Read(ref current) is SpanStatistics statistics)
                    {
                        SpanFigures f = statistics.Snapshot();
                        if (f.Count > 0 && !(f.MinMilliseconds <= f.MeanMilliseconds && f.MeanMilliseconds <= f.MaxMilliseconds))
                        {
                            Volatile.Write(ref inconsistent, $"count {f.Count}, total {f.TotalMilliseconds}, min {f.MinMilliseconds}, mean {f.MeanMilliseconds}, max {f.MaxMilliseconds}");
                        }
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        while (!stop.IsCancellationRequested && Volatile.Read(ref inconsistent) is null)
        {
            var statistics = new SpanStatistics("parse");
            Volatile.Write(ref current, statistics);
            for (int i = 0; i < 4; i++)
            {
                statistics.Record(TimeSpan.FromMilliseconds(2));
            }
        }

        await reader;
        Assert.True(inconsistent is null, "a reading showed " + inconsistent);
    }
}
