using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

public sealed class PerformanceMonitorConcurrencyTests
{
    private const int Tasks = 8;
    private const int PerTask = 100_000;
    private static readonly string[] Categories = ["timeout", "validation", "internal"];

    [Fact]
    public async Task Eight_tasks_recording_at_once_lose_no_request_error_stage_or_span()
    {
        // The clock moves on by a quarter second at a time while the tasks record, so latency
        // slices and per-second counters rotate (and retire into the totals) under load.
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.Window = TimeSpan.FromSeconds(2);
        options.WindowSlices = 4;
        var (monitor, time) = MonitorFixture.Create(options);
        using (monitor)
        {
            using var stop = new CancellationTokenSource();
            // Its own thread: on two cores the eight workers would otherwise hold the thread pool
            // until they finish, and the clock would move only afterwards.
            Task ticker = Task.Factory.StartNew(
                () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        time.Advance(TimeSpan.FromMilliseconds(250));
                        Thread.Sleep(1);
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);

            var expectedErrors = new long[Categories.Length];
            Task[] workers = [.. Enumerable.Range(0, Tasks).Select(t => Task.Run(() =>
            {
                string operation = t % 2 == 0 ? "search" : "index";
                var errors = new long[Categories.Length];
                for (int i = 0; i < PerTask; i++)
                {
                    using (RequestTimer timer = monitor.StartRequest(operation))
                    {
                        if (i % 97 == 0)
                        {
                            int c = (i + t) % Categories.Length;
                            timer.Fail(Categories[c]);
                            errors[c]++;
                        }
                    }

                    if (i % 101 == 0)
                    {
                        int c = (i / 101) % Categories.Length;
                        monitor.RecordError(Categories[c]);
                        errors[c]++;
                    }

                    if (i % 10 == 0)
                    {
                        monitor.RecordStage("fetch", TimeSpan.FromTicks(i));
                        using (monitor.Span("parse"))
                        {
                        }
                    }
                }

                for (int c = 0; c < errors.Length; c++)
                {
                    Interlocked.Add(ref expectedErrors[c], errors[c]);
                }
            }))];

            await Task.WhenAll(workers);
            await stop.CancelAsync();
            await ticker;

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            const long Requests = (long)Tasks * PerTask;
            Assert.Equal(Requests, snapshot.Throughput.TotalRequests);
            Assert.Equal(Requests, snapshot.ResponseTimes.Sum(o => o.SinceStart.Count));
            Assert.Equal(Requests / 2, snapshot.Operation("search").SinceStart.Count);
            Assert.Equal(Requests / 2, snapshot.Operation("index").SinceStart.Count);
            Assert.Equal(Tasks * (PerTask / 10), snapshot.Stage("fetch").SinceStart.Count);
            Assert.Equal(Tasks * (PerTask / 10), Assert.Single(snapshot.Spans).Count);

            // Stage durations were i ticks for i = 0, 10, ... in each task: the exact mean.
            double meanTicks = Enumerable.Range(0, PerTask / 10).Average(k => k * 10.0);
            Assert.Equal(meanTicks / TimeSpan.TicksPerMillisecond, snapshot.Stage("fetch").SinceStart.MeanMilliseconds, 9);

            for (int c = 0; c < Categories.Length; c++)
            {
                Assert.Equal(expectedErrors[c], snapshot.Category(Categories[c]).Total);
            }

            Assert.Equal(expectedErrors.Sum(), snapshot.Errors.TotalErrors);
            Assert.True(snapshot.Uptime > TimeSpan.FromSeconds(2), "the clock did not move during the run");
        }
    }

    [Fact]
    public async Task Snapshots_taken_while_tasks_record_never_go_backwards()
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            Task[] workers = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                for (int i = 0; i < 50_000; i++)
                {
                    monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
                }
            }))];

            long previous = 0;
            while (!workers.All(w => w.IsCompleted))
            {
                time.Advance(TimeSpan.FromSeconds(3));
                PerformanceSnapshot snapshot = monitor.GetSnapshot();
                long total = snapshot.Throughput.TotalRequests;
                long count = snapshot.ResponseTimes.Sum(o => o.SinceStart.Count);
                Assert.True(total >= previous, $"total went from {previous} to {total}");
                Assert.True(count >= previous, $"since-start count went from {previous} to {count}");
                previous = Math.Min(total, count);
            }

            await Task.WhenAll(workers);
            PerformanceSnapshot last = monitor.GetSnapshot();
            Assert.Equal(200_000, last.Throughput.TotalRequests);
            Assert.Equal(200_000, last.Operation("search").SinceStart.Count);
        }
    }
}
